/// Small vector helpers shared by the embedding pipelines.
public enum VectorMath {
    /// The vector scaled to unit length (a zero vector stays zero).
    public static func normalized(_ vector: [Float]) -> [Float] {
        var sum: Float = 0
        for value in vector { sum += value * value }
        let norm = sum.squareRoot()
        guard norm > 1e-12 else { return vector }
        let scale = 1 / norm
        return vector.map { $0 * scale }
    }

    /// Dot product: the cosine of two unit vectors.
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for index in 0..<min(a.count, b.count) { sum += a[index] * b[index] }
        return sum
    }

    /// Cosine similarity; for unit vectors this is the dot product.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Float = 0
        var normA: Float = 0
        var normB: Float = 0
        for index in 0..<min(a.count, b.count) {
            dot += a[index] * b[index]
            normA += a[index] * a[index]
            normB += b[index] * b[index]
        }
        let denominator = (normA * normB).squareRoot()
        return denominator > 1e-12 ? dot / denominator : 0
    }

    /// Pools one row of token vectors (`tokens × hidden`, row-major) over its first `length` real tokens.
    static func pool(_ values: UnsafeBufferPointer<Float>, row: Int, sequence: Int, hidden: Int, length: Int, pooling: Pooling) -> [Float] {
        let base = row * sequence * hidden
        switch pooling {
        case .cls:
            return Array(values[base..<(base + hidden)])
        case .last:
            let start = base + max(0, length - 1) * hidden
            return Array(values[start..<(start + hidden)])
        case .mean:
            var result = [Float](repeating: 0, count: hidden)
            for token in 0..<length {
                let offset = base + token * hidden
                for dimension in 0..<hidden { result[dimension] += values[offset + dimension] }
            }
            let scale = 1 / Float(max(1, length))
            for dimension in 0..<hidden { result[dimension] *= scale }
            return result
        }
    }
}
