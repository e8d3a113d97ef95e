/// The WordPiece vocabulary as hash tables over UTF-8 bytes, so lookups of word pieces allocate nothing.
///
/// Keys are compared byte for byte, as HF's `HashMap<String, u32>` does; a `[String: Int]` would compare canonically
/// equivalent spellings ("é" and "e\u{301}") as equal, which HF does not.
struct WordPieceVocabulary: Sendable {
    /// The token of each id, for `Encoding.tokens`; ids the vocabulary skips have "".
    let tokens: [String]
    let count: Int
    /// Every token, for the first piece of a word.
    private let whole: ByteTable
    /// Tokens that start with the continuing-subword prefix, stored without it, for the pieces after the first.
    private let continuation: ByteTable

    /// Later entries win over earlier ones with the same bytes, as in HF's `vocab.txt` reader.
    init(_ entries: [(token: String, id: Int)], continuingSubwordPrefix: String) throws(TokenizerError) {
        let largest = entries.reduce(-1) { max($0, $1.id) }
        guard largest < Int(Int32.max) else { throw TokenizerError(.invalidFile, "vocabulary id \(largest) is out of range") }
        var tokens = [String](repeating: "", count: largest + 1)
        var whole = ByteTable(capacity: entries.count)
        var continuation = ByteTable(capacity: entries.count / 4)
        let prefix = Array(continuingSubwordPrefix.utf8)
        for (token, id) in entries {
            guard id >= 0 else { throw TokenizerError(.invalidFile, "vocabulary id \(id) of \"\(token)\" is negative") }
            tokens[id] = token
            let bytes = Array(token.utf8)
            whole.insert(bytes[...], id: Int32(id))
            if !prefix.isEmpty && bytes.count > prefix.count && bytes.starts(with: prefix) {
                continuation.insert(bytes[prefix.count...], id: Int32(id))
            }
        }
        self.tokens = tokens
        self.count = whole.count
        self.whole = whole
        self.continuation = continuation
    }

    func id(of token: String) -> Int32? {
        var token = token
        return token.withUTF8 { self.whole.lookup($0) }
    }

    /// The id of `bytes` as a first piece, or of prefix + `bytes` as a continuation piece.
    @inline(__always)
    func id(_ bytes: UnsafeBufferPointer<UInt8>, continuation: Bool) -> Int32? {
        continuation ? self.continuation.lookup(bytes) : self.whole.lookup(bytes)
    }

    /// The longest key in bytes: pieces longer than this cannot match, so the greedy search starts no longer.
    @inline(__always)
    func longestKey(continuation: Bool) -> Int {
        continuation ? self.continuation.longestKey : self.whole.longestKey
    }
}

/// An open-addressing hash table from byte strings to ids, with all keys in one buffer.
struct ByteTable: Sendable {
    private struct Slot: Sendable {
        var hash: UInt32 = 0
        var id: Int32 = -1
        var start: Int32 = 0
        var length: Int32 = 0
    }

    private var slots: [Slot]
    private var keys: [UInt8] = []
    private let mask: Int
    private(set) var count = 0
    private(set) var longestKey = 0

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        self.slots = [Slot](repeating: Slot(), count: size)
        self.mask = size - 1
    }

    mutating func insert(_ key: ArraySlice<UInt8>, id: Int32) {
        let hash = key.withUnsafeBufferPointer { Self.hash($0) }
        var index = Int(hash) & self.mask
        while self.slots[index].id >= 0 {
            let slot = self.slots[index]
            if slot.hash == hash && self.keys[Int(slot.start)..<Int(slot.start + slot.length)].elementsEqual(key) {
                self.slots[index].id = id
                return
            }
            index = (index + 1) & self.mask
        }
        // Keep the load factor at or below one half; a vocabulary is sized up front, so this rarely runs.
        if (self.count + 1) * 2 > self.slots.count {
            self = self.grown()
            self.insert(key, id: id)
            return
        }
        self.slots[index] = Slot(hash: hash, id: id, start: Int32(self.keys.count), length: Int32(key.count))
        self.keys.append(contentsOf: key)
        self.count += 1
        self.longestKey = max(self.longestKey, key.count)
    }

    @inline(__always)
    func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let hash = Self.hash(key)
        var index = Int(hash) & self.mask
        return self.slots.withUnsafeBufferPointer { slots in
            self.keys.withUnsafeBufferPointer { keys in
                while true {
                    let slot = slots[index]
                    if slot.id < 0 { return nil }
                    if slot.hash == hash && Int(slot.length) == key.count {
                        let start = Int(slot.start)
                        var equal = true
                        for offset in 0..<key.count where keys[start + offset] != key[offset] {
                            equal = false
                            break
                        }
                        if equal { return slot.id }
                    }
                    index = (index + 1) & self.mask
                }
            }
        }
    }

    private func grown() -> ByteTable {
        var bigger = ByteTable(capacity: self.slots.count)
        for slot in self.slots where slot.id >= 0 {
            bigger.insert(self.keys[Int(slot.start)..<Int(slot.start + slot.length)], id: slot.id)
        }
        return bigger
    }

    /// FNV-1a: cheap for the short keys of a vocabulary and good enough with linear probing at half load.
    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in bytes {
            hash ^= UInt32(byte)
            hash &*= 0x0100_0193
        }
        return hash
    }
}
