/// A row-major int64 matrix in memory skiff owns; ORT reads it in place through `CreateTensorWithDataAsOrtValue`.
/// Batches are assembled straight into it, so token ids are written once and never copied again.
///
/// `@unchecked Sendable`: the buffer is written while building a batch, then only read by ORT during `run`.
public final class Int64Tensor: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    let storage: UnsafeMutableBufferPointer<Int64>

    public init(rows: Int, columns: Int, fill: Int64 = 0) {
        self.rows = rows
        self.columns = columns
        self.storage = .allocate(capacity: max(1, rows * columns))
        self.storage.initialize(repeating: fill)
    }

    deinit {
        self.storage.deallocate()
    }

    public subscript(row: Int, column: Int) -> Int64 {
        get { self.storage[row * self.columns + column] }
        set { self.storage[row * self.columns + column] = newValue }
    }

    /// Writes `values` at the start of `row`.
    public func setRow<C: Collection>(_ row: Int, _ values: C) where C.Element: BinaryInteger {
        var index = row * self.columns
        for value in values.prefix(self.columns) {
            self.storage[index] = Int64(value)
            index += 1
        }
    }
}

/// A float output read in place from ORT's buffer, valid only inside the `run` closure.
public struct FloatOutput {
    public let name: String
    public let shape: [Int]
    public let values: UnsafeBufferPointer<Float>
}
