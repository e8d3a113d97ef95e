/// How HF's truncation shares a length budget between the two texts of a pair.
enum Truncation {
    /// HF's `LongestFirst` for pairs: when both exceed half the budget each keeps half, and the odd token goes to
    /// the longer one (to the second on a tie); otherwise only the longer one is cut. Lengths to keep, in order.
    static func longestFirst(_ first: Int, _ second: Int, budget: Int) -> (Int, Int) {
        guard first + second > budget else { return (first, second) }
        let swapped = first > second
        let shorter = min(first, second)
        var keepShorter = shorter
        var keepLonger = shorter > budget ? shorter : max(shorter, budget - shorter)
        if keepShorter + keepLonger > budget {
            keepShorter = budget / 2
            keepLonger = keepShorter + budget % 2
        }
        return swapped ? (min(first, keepLonger), min(second, keepShorter)) : (min(first, keepShorter), min(second, keepLonger))
    }
}
