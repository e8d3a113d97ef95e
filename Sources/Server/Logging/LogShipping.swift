import Foundation
import Synchronization

/// Where `JSONLogHandler` sends a copy of every line it writes: nowhere, a backlog kept from boot until `serve`
/// knows whether CloudWatch shipping is on (the variable may come from SSM), or the shipper's buffer.
enum LogShipping {
    private enum Target {
        case none
        case backlog(LogShippingBuffer)
        case shipping(LogShippingBuffer)
    }

    private static let target = Mutex(Target.none)
    /// Boot logs a few dozen lines; past this the oldest go.
    static let backlogCapacity = 1_000

    /// Called for each line after it is written to stdout: at most two short locks, no I/O.
    static func append(_ line: String, at time: Date) {
        let buffer = Self.target.withLock { target -> LogShippingBuffer? in
            switch target {
            case .none: return nil
            case .backlog(let buffer), .shipping(let buffer): return buffer
            }
        }
        buffer?.append(line, timestamp: Self.milliseconds(time))
    }

    /// Keeps lines from now on until `attach` or `discardBacklog`.
    static func keepBacklog() {
        Self.target.withLock { target in
            if case .none = target { target = .backlog(LogShippingBuffer(capacity: Self.backlogCapacity)) }
        }
    }

    /// Sends the backlog and every later line to `buffer`.
    static func attach(_ buffer: LogShippingBuffer) {
        let backlog = Self.target.withLock { target -> LogShippingBuffer? in
            defer { target = .shipping(buffer) }
            if case .backlog(let backlog) = target { return backlog }
            return nil
        }
        backlog?.forward(to: buffer)
    }

    /// Stops sending lines to `buffer` (if it is still the one attached).
    static func detach(_ buffer: LogShippingBuffer) {
        Self.target.withLock { target in
            if case .shipping(let attached) = target, attached === buffer { target = .none }
        }
    }

    /// No shipping in this process: forget the backlog.
    static func discardBacklog() {
        Self.target.withLock { target in
            if case .backlog = target { target = .none }
        }
    }

    /// What CloudWatch takes as a timestamp: whole milliseconds since 1970, computed as `JSONLogHandler.timestamp`
    /// computes the line's `time` field, so the two agree to the millisecond.
    static func milliseconds(_ time: Date) -> Int64 {
        let interval = time.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        return Int64(seconds) * 1000 + Int64((interval - seconds) * 1000)
    }
}
