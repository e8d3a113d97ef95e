import Synchronization

/// Whether the instance should get traffic: what `/health/ready` reports to the ALB.
final class Readiness: Sendable {
    enum State: UInt8, Sendable {
        case starting = 0, ready = 1, draining = 2

        var name: String {
            switch self {
            case .starting: "starting"
            case .ready: "ready"
            case .draining: "draining"
            }
        }
    }

    private let value = Atomic<UInt8>(State.starting.rawValue)

    var state: State { State(rawValue: self.value.load(ordering: .acquiring)) ?? .starting }

    func set(_ state: State) {
        self.value.store(state.rawValue, ordering: .releasing)
    }
}
