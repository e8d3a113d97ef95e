import CCrypto
import Gateway

/// The configured API keys, held as SHA-256 digests: a presented key is hashed and compared with every digest in
/// constant time (`CRYPTO_memcmp`), so neither its content nor its length leaks through timing.
struct APIKeys: Sendable {
    private let digests: [[UInt8]]

    init(_ keys: [Secret]) {
        self.digests = keys.map { Self.sha256(Array($0.value.utf8)) }
    }

    var isEmpty: Bool { self.digests.isEmpty }

    /// Whether `presented` is one of the keys. Every digest is compared, match or not.
    func accepts(_ presented: String) -> Bool {
        let digest = Self.sha256(Array(presented.utf8))
        var matched = false
        for known in self.digests {
            let equal = known.withUnsafeBytes { a in digest.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, 32) == 0 } }
            matched = matched || equal
        }
        return matched
    }

    /// A short, stable name for a key in logs: the first 8 hex digits of its SHA-256, never the key.
    static func fingerprint(_ key: String) -> String {
        Self.sha256(Array(key.utf8)).prefix(4).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in _ = SHA256(input.baseAddress, input.count, out.baseAddress) }
        }
        return output
    }
}
