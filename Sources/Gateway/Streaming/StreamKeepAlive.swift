import HTTPClient
import Synchronization

/// Wakes the readers of open upstream streams every `tick`, so that a stream whose client has had no bytes for
/// `interval` sends it a keep-alive: load balancers and proxies close connections idle for 60 s or less, while a
/// reasoning model may think for minutes before its first token. One loop for every stream, so a stream costs a
/// registry entry rather than a timer of its own; `ChatStream` decides, on each wake, whether one is due.
public final class StreamKeepAlive: Sendable {
    public let interval: Duration
    let tick: Duration
    private let bodies = Mutex<[ObjectIdentifier: HTTPBodyStream]>([:])

    public init(interval: Duration) {
        self.interval = interval
        self.tick = min(.seconds(1), interval / 4)
    }

    /// Wakes waiting readers every tick until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: self.tick)
            let bodies = self.bodies.withLock { Array($0.values) }
            for body in bodies {
                body.interruptWait()
            }
        }
    }

    func register(_ body: HTTPBodyStream) {
        self.bodies.withLock { $0[ObjectIdentifier(body)] = body }
    }

    func unregister(_ body: HTTPBodyStream) {
        _ = self.bodies.withLock { $0.removeValue(forKey: ObjectIdentifier(body)) }
    }
}
