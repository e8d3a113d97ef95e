import Hummingbird

extension ResponseBody {
    /// Calls `done` where per-request accounting ends. A body of known length is already in memory, so that is now:
    /// wrapping it would cost Hummingbird's single batched write of head, body and end (two writes and an extra
    /// event-loop hop per answer). A streamed body is finished only at its last byte, or when writing it fails.
    func whenFinished(_ done: @escaping @Sendable () -> Void) -> ResponseBody {
        guard self.contentLength == nil else {
            done()
            return self
        }
        let body = self
        return ResponseBody { writer in
            defer { done() }
            try await body.write(writer)
        }
    }
}
