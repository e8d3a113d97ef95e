import Synchronization

/// Whether the instance should get traffic: what `/health/ready` reports to the ALB. Ready needs the
/// listener up and the required models loaded; draining wins over everything once SIGTERM arrives.
final class Readiness: Sendable {
    enum State: Sendable, Equatable {
        case starting(String)
        case ready
        case draining

        var name: String {
            switch self {
            case .starting: "starting"
            case .ready: "ready"
            case .draining: "draining"
            }
        }
    }

    private struct Flags {
        var listening = false
        var modelsReady = false
        var modelsProblem: String? = "loading models"
        var draining = false
    }

    private let flags: Mutex<Flags>

    /// - Parameter waitsForModels: false when no model is required, so the listener alone makes it ready.
    init(waitsForModels: Bool = false) {
        self.flags = Mutex(Flags(modelsReady: !waitsForModels, modelsProblem: waitsForModels ? "loading models" : nil))
    }

    var state: State {
        self.flags.withLock { flags in
            if flags.draining { return .draining }
            if !flags.listening { return .starting("starting the listener") }
            if !flags.modelsReady { return .starting(flags.modelsProblem ?? "loading models") }
            return .ready
        }
    }

    func listenerStarted() { self.flags.withLock { $0.listening = true } }

    /// Records the outcome of model loading: ready, or the reason it is not (a required model failed).
    func modelsLoaded(problem: String?) {
        self.flags.withLock {
            $0.modelsReady = problem == nil
            $0.modelsProblem = problem
        }
    }

    func startDraining() { self.flags.withLock { $0.draining = true } }
}
