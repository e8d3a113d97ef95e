import Hummingbird

extension ResponseBody {
    /// The same body, calling `done` once it has been written or failed to be: where per-request accounting ends
    /// (a streamed answer is only finished at its last byte). Hummingbird's own version is not public.
    func afterWrite(_ done: @escaping @Sendable () -> Void) -> ResponseBody {
        let body = self
        return ResponseBody(contentLength: body.contentLength) { writer in
            defer { done() }
            try await body.write(writer)
        }
    }
}
