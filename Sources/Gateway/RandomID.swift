/// Unique ids for what skiff makes: request ids, and the ids of responses and messages it translates.
public enum RandomID {
    /// 128 random bits as 32 lowercase hex digits: two draws from the system generator (one `getrandom` each),
    /// written straight into the string's storage (a UUID's string, stripped of dashes, cost a stream 2% of its CPU).
    public static func hex() -> String {
        var generator = SystemRandomNumberGenerator()
        let high: UInt64 = generator.next()
        let low: UInt64 = generator.next()
        return String(unsafeUninitializedCapacity: 32) { buffer in
            let digits: StaticString = "0123456789abcdef"
            for index in 0..<32 {
                let word = index < 16 ? high : low
                buffer[index] = digits.utf8Start[Int((word >> UInt64(60 - 4 * (index % 16))) & 0xf)]
            }
            return 32
        }
    }
}
