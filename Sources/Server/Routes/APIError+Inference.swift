import Hummingbird
import Inference

extension APIError {
    /// One place that decides the HTTP face of each inference failure.
    init(_ error: InferenceError, dialect: JSONRequest.Dialect) {
        switch error.code {
        case .modelNotLoaded, .modelNotFound, .invalidModel:
            self.init(.serviceUnavailable, type: "model_not_loaded", message: error.message, headers: [.retryAfter: "30"])
        case .inputTooLong:
            self.init(
                dialect == .native ? .contentTooLarge : .badRequest,
                type: dialect == .native ? "input_too_long" : "invalid_request_error",
                message: error.message
            )
        case .invalidInput:
            self.init(dialect.validationStatus, type: dialect.validationType, message: error.message)
        case .overloaded:
            self.init(.tooManyRequests, type: "overloaded", message: error.message, headers: [.retryAfter: "1"])
        case .shuttingDown:
            self.init(.serviceUnavailable, type: "shutting_down", message: error.message, headers: [.retryAfter: "1"])
        default:
            self.init(.internalServerError, type: "inference_error", message: error.message)
        }
    }
}
