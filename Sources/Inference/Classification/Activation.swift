import Foundation

/// The two functions that turn logits into probabilities.
public enum Activation {
    public static func sigmoid(_ x: Float) -> Float {
        1 / (1 + Foundation.exp(-x))
    }

    /// Softmax, shifted by the maximum so large logits cannot overflow.
    public static func softmax(_ logits: [Float]) -> [Float] {
        guard let top = logits.max() else { return [] }
        let exponentials = logits.map { Foundation.exp($0 - top) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }
}
