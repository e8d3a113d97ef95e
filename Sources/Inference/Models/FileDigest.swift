import CCrypto
import Foundation

/// Digests of files on disk, read in chunks so multi-gigabyte models never sit in memory: SHA-256 (what
/// model hubs publish for large files) and Git's blob SHA-1 (what they publish for small ones).
enum FileDigest {
    static func sha256(of path: String) throws -> String {
        try self.digest(path, algorithm: EVP_sha256(), prefix: nil)
    }

    /// SHA-1 of `"blob <size>\0" + contents`, the id Git gives a file.
    static func gitBlobSHA1(of path: String) throws -> String {
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        return try self.digest(path, algorithm: EVP_sha1(), prefix: Array("blob \(size)\0".utf8))
    }

    private static func digest(_ path: String, algorithm: OpaquePointer?, prefix: [UInt8]?) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InferenceError(.download, "cannot read \(path)")
        }
        defer { try? handle.close() }
        guard let context = EVP_MD_CTX_new() else { throw InferenceError(.download, "libcrypto could not allocate a digest") }
        defer { EVP_MD_CTX_free(context) }
        EVP_DigestInit_ex(context, algorithm, nil)
        if let prefix { EVP_DigestUpdate(context, prefix, prefix.count) }
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        }
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &output, &length)
        return output.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }
}
