import COnnxRuntime

/// Tuning for one model's session. Threads come from the runtime's global pools.
public struct SessionConfiguration: Sendable {
    /// ORT's graph optimisations (fusion of attention, GELU, layer norm): all of them by default.
    public var optimizeGraph: Bool

    public init(optimizeGraph: Bool = true) {
        self.optimizeGraph = optimizeGraph
    }
}

/// One loaded ONNX model. A single session serves every request: `Run` is thread-safe in ORT.
///
/// `@unchecked Sendable`: the OrtSession is immutable after creation and ORT documents `Run` as thread-safe.
public final class Session: @unchecked Sendable {
    let runtime: OnnxRuntime
    let session: OpaquePointer
    public let inputNames: [String]
    public let outputNames: [String]
    public let path: String

    public init(runtime: OnnxRuntime, path: String, configuration: SessionConfiguration = SessionConfiguration()) throws(InferenceError) {
        let api = runtime.api
        var options: OpaquePointer?
        try runtime.check(api.pointee.CreateSessionOptions(&options))
        defer { api.pointee.ReleaseSessionOptions(options) }
        // Threads come from the environment's global pools, shared by every model.
        try runtime.check(api.pointee.DisablePerSessionThreads(options))
        try runtime.check(api.pointee.SetSessionGraphOptimizationLevel(options, configuration.optimizeGraph ? ORT_ENABLE_ALL : ORT_DISABLE_ALL))
        var session: OpaquePointer?
        try runtime.check(api.pointee.CreateSession(runtime.env, path, options, &session))
        guard let session else { throw InferenceError(.runtime, "ONNX Runtime returned no session for \(path)") }
        self.runtime = runtime
        self.session = session
        self.path = path
        do {
            self.inputNames = try Self.names(runtime, session, count: api.pointee.SessionGetInputCount, name: api.pointee.SessionGetInputName)
            self.outputNames = try Self.names(runtime, session, count: api.pointee.SessionGetOutputCount, name: api.pointee.SessionGetOutputName)
        } catch {
            api.pointee.ReleaseSession(session)
            throw error
        }
    }

    deinit {
        self.runtime.api.pointee.ReleaseSession(self.session)
    }

    private typealias CountFunction = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> OpaquePointer?
    private typealias NameFunction =
        @convention(c) (
            OpaquePointer?, Int, UnsafeMutablePointer<OrtAllocator>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        ) -> OpaquePointer?

    private static func names(
        _ runtime: OnnxRuntime,
        _ session: OpaquePointer,
        count: CountFunction?,
        name: NameFunction?
    ) throws(InferenceError) -> [String] {
        let api = runtime.api
        guard let count, let name else { throw InferenceError(.runtime, "ONNX Runtime API table is incomplete") }
        var allocator: UnsafeMutablePointer<OrtAllocator>?
        try runtime.check(api.pointee.GetAllocatorWithDefaultOptions(&allocator))
        var total = 0
        try runtime.check(count(session, &total))
        var names: [String] = []
        for index in 0..<total {
            var value: UnsafeMutablePointer<CChar>?
            try runtime.check(name(session, index, allocator, &value))
            if let value {
                names.append(String(cString: value))
                _ = api.pointee.AllocatorFree(allocator, value)
            }
        }
        return names
    }

    /// Runs the model on int64 inputs and hands the requested float outputs to `body`, read in place; the
    /// output memory is released when `body` returns.
    public func run<T>(
        inputs: [(name: String, tensor: Int64Tensor)],
        outputs: [String],
        _ body: ([FloatOutput]) throws -> T
    ) throws -> T {
        let api = self.runtime.api
        var values: [OpaquePointer?] = []
        defer { for value in values { api.pointee.ReleaseValue(value) } }
        for (_, tensor) in inputs {
            var value: OpaquePointer?
            let shape: [Int64] = [Int64(tensor.rows), Int64(tensor.columns)]
            try self.runtime.check(
                api.pointee.CreateTensorWithDataAsOrtValue(
                    self.runtime.memoryInfo,
                    tensor.storage.baseAddress,
                    tensor.rows * tensor.columns * MemoryLayout<Int64>.stride,
                    shape,
                    shape.count,
                    ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64,
                    &value
                )
            )
            values.append(value)
        }
        var results = [OpaquePointer?](repeating: nil, count: outputs.count)
        defer { for result in results { api.pointee.ReleaseValue(result) } }
        try withCStrings(inputs.map(\.name)) { inputNames in
            try withCStrings(outputs) { outputNames in
                try values.withUnsafeBufferPointer { inputValues in
                    try results.withUnsafeMutableBufferPointer { outputValues in
                        try self.runtime.check(
                            api.pointee.Run(
                                self.session,
                                nil,
                                inputNames,
                                inputValues.baseAddress,
                                inputs.count,
                                outputNames,
                                outputs.count,
                                outputValues.baseAddress
                            )
                        )
                    }
                }
            }
        }
        var views: [FloatOutput] = []
        for (index, result) in results.enumerated() {
            var info: OpaquePointer?
            try self.runtime.check(api.pointee.GetTensorTypeAndShape(result, &info))
            defer { api.pointee.ReleaseTensorTypeAndShapeInfo(info) }
            var rank = 0
            try self.runtime.check(api.pointee.GetDimensionsCount(info, &rank))
            var dimensions = [Int64](repeating: 0, count: rank)
            try self.runtime.check(api.pointee.GetDimensions(info, &dimensions, rank))
            var elementType = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED
            try self.runtime.check(api.pointee.GetTensorElementType(info, &elementType))
            guard elementType == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT else {
                throw InferenceError(.invalidModel, "output \(outputs[index]) is not float32")
            }
            var data: UnsafeMutableRawPointer?
            try self.runtime.check(api.pointee.GetTensorMutableData(result, &data))
            let count = dimensions.reduce(1) { $0 * Int($1) }
            let pointer = data?.assumingMemoryBound(to: Float.self)
            views.append(
                FloatOutput(name: outputs[index], shape: dimensions.map(Int.init), values: UnsafeBufferPointer(start: pointer, count: count))
            )
        }
        return try body(views)
    }
}

/// Calls `body` with a C array of C strings that lives for the duration of the call.
private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) throws -> T) throws -> T {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { for pointer in pointers { free(pointer) } }
    let constant = pointers.map { UnsafePointer($0) }
    return try constant.withUnsafeBufferPointer { try body($0.baseAddress!) }
}
