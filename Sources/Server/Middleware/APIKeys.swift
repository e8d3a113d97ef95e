import AWSConfig
import CCrypto
import Gateway

/// The configured API keys, held as SHA-256 digests: a presented key is hashed and compared with every digest in
/// constant time (`CRYPTO_memcmp`), so neither its content nor its length leaks through timing.
struct APIKeys: Sendable {
    private let digests: [[UInt8]]

    init(_ keys: [Secret]) {
        self.digests = keys.map { Digest.sha256(Array($0.value.utf8)) }
    }

    /// Whether `presented` is one of the keys. Every digest is compared, match or not.
    func accepts(_ presented: String) -> Bool {
        // No keys configured: nothing to compare with, and no hash to spend on every request.
        guard !self.digests.isEmpty else { return false }
        let digest = Digest.sha256(Array(presented.utf8))
        var matched = false
        for known in self.digests {
            let equal = known.withUnsafeBytes { a in digest.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, 32) == 0 } }
            matched = matched || equal
        }
        return matched
    }

    /// A short, stable name for a key in logs: the first 8 hex digits of its SHA-256, never the key.
    static func fingerprint(_ key: String) -> String {
        String(Digest.hex(Digest.sha256(Array(key.utf8))).prefix(8))
    }
}
