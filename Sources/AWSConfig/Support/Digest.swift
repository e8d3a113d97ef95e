import CCrypto

/// SHA-256 and HMAC-SHA256 over libcrypto, wrapped once here: what SigV4 needs, and what the server hashes API keys with.
public enum Digest {
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let input = Array(bytes)
        input.withUnsafeBufferPointer { buffer in
            output.withUnsafeMutableBufferPointer { out in
                _ = SHA256(buffer.baseAddress, buffer.count, out.baseAddress)
            }
        }
        return output
    }

    static func hmacSHA256(key: [UInt8], data: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let input = Array(data)
        key.withUnsafeBufferPointer { keyBuffer in
            input.withUnsafeBufferPointer { dataBuffer in
                output.withUnsafeMutableBufferPointer { out in
                    _ = HMAC(
                        EVP_sha256(),
                        keyBuffer.baseAddress,
                        Int32(keyBuffer.count),
                        dataBuffer.baseAddress,
                        dataBuffer.count,
                        out.baseAddress,
                        &length
                    )
                }
            }
        }
        return Array(output.prefix(Int(length)))
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
