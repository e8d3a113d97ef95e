import Synchronization

/// HF's `BPE` model over byte-level words: each byte starts as its own symbol, then the adjacent pair with the
/// lowest merge rank is merged (leftmost first on a tie) until no pair has a merge — HF's queue-based `merge_all`,
/// step for step, so that even unusual merge tables give HF's ids.
///
/// Symbols and merges are ids, never strings; a word's ids are cached by its bytes, as HF caches them.
final class BPEModel: Sendable {
    /// The vocabulary id of each byte's character, or -1 when the vocabulary lacks it.
    let byteIDs: [Int32]
    /// `(left << 32 | right)` → `rank << 32 | merged id`.
    private let merges: MergeTable
    /// The merged id of each rank, for telling a live queue entry from one a neighbouring merge made stale.
    private let mergedIDs: [Int32]
    let unknownID: Int32?
    let fuseUnknown: Bool
    /// Whole words found in the vocabulary skip the merges (HF's `ignore_merges`), keyed by their raw bytes.
    private let wholeWords: ByteTable?
    private let cache: Mutex<[WordKey: [Int32]]>
    /// HF's cache holds 10,000 words and stops taking new ones when full; words longer than 256 bytes are not kept.
    static let cacheCapacity = 10_000
    static let cachedWordLength = 256

    /// `merges` are pairs of vocabulary ids, best first.
    init(
        vocabulary: [String: Int32],
        merges: [(left: Int32, right: Int32, merged: Int32)],
        unknownID: Int32?,
        fuseUnknown: Bool,
        ignoreMerges: Bool
    ) {
        self.byteIDs = ByteLevelPreTokenizer.byteCharacters.map { vocabulary[String($0)] ?? -1 }
        var table = MergeTable(capacity: merges.count)
        for (rank, merge) in merges.enumerated() {
            // A pair listed twice keeps its last rank, as HF's map does.
            table.insert(Self.key(merge.left, merge.right), UInt64(rank) << 32 | UInt64(UInt32(bitPattern: merge.merged)))
        }
        self.merges = table
        self.mergedIDs = merges.map(\.merged)
        self.unknownID = unknownID
        self.fuseUnknown = fuseUnknown
        if ignoreMerges {
            var unspell = [Unicode.Scalar: UInt8]()
            for (byte, character) in ByteLevelPreTokenizer.byteCharacters.enumerated() { unspell[character] = UInt8(byte) }
            var words = ByteTable(capacity: vocabulary.count)
            for (token, id) in vocabulary {
                let bytes = token.unicodeScalars.compactMap { unspell[$0] }
                if bytes.count == token.unicodeScalars.count { words.insert(bytes[...], id: id) }
            }
            self.wholeWords = words
        } else {
            self.wholeWords = nil
        }
        self.cache = Mutex([:])
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Appends the ids of one word, given as its UTF-8 bytes, to `ids`.
    func tokenize(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        guard !word.isEmpty else { return }
        if let wholeWords = self.wholeWords, let id = wholeWords.lookup(word) {
            ids.append(id)
            return
        }
        let cacheable = word.count < Self.cachedWordLength
        let key = WordKey(cacheable ? String(decoding: word, as: UTF8.self) : "")
        if cacheable, let hit = self.cache.withLock({ $0[key] }) {
            ids.append(contentsOf: hit)
            return
        }
        let start = ids.count
        self.merge(word, into: &ids)
        if cacheable {
            let result = Array(ids[start...])
            self.cache.withLock { cache in
                if cache.count < Self.cacheCapacity { cache[key] = result }
            }
        }
    }

    private struct Symbol {
        var id: Int32
        var previous: Int32
        var next: Int32
        /// Bytes covered; 0 marks a symbol merged into its left neighbour.
        var length: Int32
    }

    /// HF's `merge_word` then `merge_all`.
    private func merge(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        var symbols: [Symbol] = []
        symbols.reserveCapacity(word.count)
        func add(_ id: Int32, _ length: Int32) {
            let index = Int32(symbols.count)
            if index > 0 { symbols[Int(index) - 1].next = index }
            symbols.append(Symbol(id: id, previous: index - 1, next: -1, length: length))
        }
        // Bytes missing from the vocabulary become the unknown token (consecutive ones fused into one when asked),
        // or are dropped when there is none, as HF does.
        var pendingUnknown: Int32 = 0
        for byte in word {
            let id = self.byteIDs[Int(byte)]
            if id >= 0 {
                if pendingUnknown > 0, let unknownID = self.unknownID { add(unknownID, pendingUnknown) }
                pendingUnknown = 0
                add(id, 1)
            } else if let unknownID = self.unknownID {
                if pendingUnknown > 0 && !self.fuseUnknown {
                    add(unknownID, pendingUnknown)
                    pendingUnknown = 0
                }
                pendingUnknown += 1
            }
        }
        if pendingUnknown > 0, let unknownID = self.unknownID { add(unknownID, pendingUnknown) }

        if symbols.count > 1 {
            // A min-queue of `rank << 32 | position`: lowest rank first, then leftmost.
            var queue = MinQueue()
            for position in 0..<(symbols.count - 1) {
                if let merge = self.merges.lookup(Self.key(symbols[position].id, symbols[position + 1].id)) {
                    queue.push(merge & 0xFFFF_FFFF_0000_0000 | UInt64(position))
                }
            }
            while let top = queue.pop() {
                let rank = Int(top >> 32)
                let position = Int(top & 0xFFFF_FFFF)
                let symbol = symbols[position]
                guard symbol.length > 0, symbol.next >= 0 else { continue }
                let nextPosition = Int(symbol.next)
                let right = symbols[nextPosition]
                // The pair here may have changed since this entry was queued; HF compares the merged ids.
                guard let current = self.merges.lookup(Self.key(symbol.id, right.id)),
                    Int32(bitPattern: UInt32(truncatingIfNeeded: current)) == self.mergedIDs[rank]
                else { continue }
                symbols[position].id = self.mergedIDs[rank]
                symbols[position].length += right.length
                symbols[position].next = right.next
                symbols[nextPosition].length = 0
                if right.next >= 0 { symbols[Int(right.next)].previous = Int32(position) }
                let merged = symbols[position]
                if merged.previous >= 0,
                    let merge = self.merges.lookup(Self.key(symbols[Int(merged.previous)].id, merged.id))
                {
                    queue.push(merge & 0xFFFF_FFFF_0000_0000 | UInt64(merged.previous))
                }
                if merged.next >= 0, let merge = self.merges.lookup(Self.key(merged.id, symbols[Int(merged.next)].id)) {
                    queue.push(merge & 0xFFFF_FFFF_0000_0000 | UInt64(position))
                }
            }
        }
        for symbol in symbols where symbol.length > 0 { ids.append(symbol.id) }
    }
}

/// A word's text compared byte for byte: as a `String` key, "e\u{301}\u{316}" and "e\u{316}\u{301}" (canonically
/// equivalent, different bytes and different ids) would share one cache entry.
private struct WordKey: Hashable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (lhs: WordKey, rhs: WordKey) -> Bool { lhs.text.utf8.elementsEqual(rhs.text.utf8) }

    func hash(into hasher: inout Hasher) {
        var text = self.text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// A binary min-heap of packed keys.
private struct MinQueue {
    private var items: [UInt64] = []

    mutating func push(_ item: UInt64) {
        self.items.append(item)
        var child = self.items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard self.items[child] < self.items[parent] else { break }
            self.items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let last = self.items.popLast() else { return nil }
        guard !self.items.isEmpty else { return last }
        let top = self.items[0]
        self.items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < self.items.count else { break }
            let right = left + 1
            let child = right < self.items.count && self.items[right] < self.items[left] ? right : left
            guard self.items[child] < self.items[parent] else { break }
            self.items.swapAt(child, parent)
            parent = child
        }
        return top
    }
}

/// Open addressing from a packed id pair to a packed rank and id; a `Dictionary` costs several times more per lookup.
private struct MergeTable: Sendable {
    private var keys: [UInt64]
    private var values: [UInt64]
    private var used: [Bool]
    private let mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        self.keys = [UInt64](repeating: 0, count: size)
        self.values = [UInt64](repeating: 0, count: size)
        self.used = [Bool](repeating: false, count: size)
        self.mask = size - 1
    }

    @inline(__always)
    private static func hash(_ key: UInt64) -> Int {
        // A 64-bit mix (splitmix64's finalizer): ids are small and dense, so their bits need spreading.
        var x = key &+ 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: x ^ (x >> 31))
    }

    mutating func insert(_ key: UInt64, _ value: UInt64) {
        var index = Self.hash(key) & self.mask
        while self.used[index] && self.keys[index] != key { index = (index + 1) & self.mask }
        self.keys[index] = key
        self.values[index] = value
        self.used[index] = true
    }

    @inline(__always)
    func lookup(_ key: UInt64) -> UInt64? {
        var index = Self.hash(key) & self.mask
        while self.used[index] {
            if self.keys[index] == key { return self.values[index] }
            index = (index + 1) & self.mask
        }
        return nil
    }
}
