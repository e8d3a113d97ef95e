import COnnxRuntime
import Synchronization

/// The process's one ONNX Runtime environment, with global intra-op and inter-op thread pools that every
/// model's session shares, so several models in one process never oversubscribe the cores.
///
/// `@unchecked Sendable`: the API table is immutable and the OrtEnv is documented as thread-safe.
public final class OnnxRuntime: @unchecked Sendable {
    let api: UnsafePointer<OrtApi>
    let env: OpaquePointer
    let memoryInfo: OpaquePointer
    /// Threads in the shared intra-op pool.
    public let intraOpThreads: Int

    /// - Parameters:
    ///   - intraOpThreads: threads per operator, shared by all sessions (`ML_NUM_THREADS`; 0 lets ORT use one per core).
    ///   - spinning: whether pool threads spin briefly between parallel sections (ORT's default); measured ~5%
    ///     more throughput on 2 cores, at the cost of some idle CPU right after each run.
    init(intraOpThreads: Int, spinning: Bool = true) throws(InferenceError) {
        guard let api = skiff_ort_api() else {
            throw InferenceError(.runtime, "the ONNX Runtime library does not provide API version \(ORT_API_VERSION)")
        }
        self.api = api
        self.intraOpThreads = intraOpThreads
        var options: OpaquePointer?
        try Self.check(api, api.pointee.CreateThreadingOptions(&options))
        defer { api.pointee.ReleaseThreadingOptions(options) }
        try Self.check(api, api.pointee.SetGlobalIntraOpNumThreads(options, Int32(intraOpThreads)))
        try Self.check(api, api.pointee.SetGlobalInterOpNumThreads(options, 1))
        try Self.check(api, api.pointee.SetGlobalSpinControl(options, spinning ? 1 : 0))
        try Self.check(api, api.pointee.SetGlobalDenormalAsZero(options))
        var env: OpaquePointer?
        try Self.check(api, api.pointee.CreateEnvWithGlobalThreadPools(ORT_LOGGING_LEVEL_ERROR, "skiff", options, &env))
        guard let env else { throw InferenceError(.runtime, "ONNX Runtime returned no environment") }
        self.env = env
        var memoryInfo: OpaquePointer?
        try Self.check(api, api.pointee.CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memoryInfo))
        guard let memoryInfo else { throw InferenceError(.runtime, "ONNX Runtime returned no memory info") }
        self.memoryInfo = memoryInfo
    }

    deinit {
        self.api.pointee.ReleaseMemoryInfo(self.memoryInfo)
        self.api.pointee.ReleaseEnv(self.env)
    }

    private static let process = Mutex<OnnxRuntime?>(nil)

    /// The process's environment, created on first use. ORT keeps one environment per process whatever
    /// the caller asks for, so later callers share the first one's thread pools.
    public static func shared(intraOpThreads: Int, spinning: Bool = true) throws(InferenceError) -> OnnxRuntime {
        try self.process.withLock { (slot: inout OnnxRuntime?) throws(InferenceError) -> OnnxRuntime in
            if let slot { return slot }
            let runtime = try OnnxRuntime(intraOpThreads: intraOpThreads, spinning: spinning)
            slot = runtime
            return runtime
        }
    }

    /// The library's version, e.g. "1.32.0".
    public var version: String { skiff_ort_version().map { String(cString: $0) } ?? "unknown" }

    /// Turns an `OrtStatus` into a Swift error carrying ORT's own message, releasing the status.
    static func check(_ api: UnsafePointer<OrtApi>, _ status: OpaquePointer?) throws(InferenceError) {
        guard let status else { return }
        let message = api.pointee.GetErrorMessage(status).map { String(cString: $0) } ?? "unknown error"
        api.pointee.ReleaseStatus(status)
        throw InferenceError(.runtime, "ONNX Runtime: \(message)")
    }

    func check(_ status: OpaquePointer?) throws(InferenceError) {
        try Self.check(self.api, status)
    }
}
