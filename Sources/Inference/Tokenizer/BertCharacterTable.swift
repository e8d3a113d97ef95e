import Foundation

/// What the normalizer and pre-tokenizer need to know about each scalar, precomputed for planes 0 and 1 when a
/// tokenizer loads, so the per-character work is one array read instead of several Unicode property look-ups.
///
/// It also holds each scalar's canonical decomposition, taken from one NFD pass over all candidates at load, so
/// stripping accents needs no String building or Foundation call per input.
struct BertCharacterTable: Sendable {
    struct Flags: OptionSet, Sendable {
        let rawValue: UInt32
        static let removed = Flags(rawValue: 1 << 0)
        static let whitespace = Flags(rawValue: 1 << 1)
        static let chinese = Flags(rawValue: 1 << 2)
        static let decomposes = Flags(rawValue: 1 << 3)
        static let nonspacingMark = Flags(rawValue: 1 << 4)
        static let punctuation = Flags(rawValue: 1 << 5)
        static let lowercases = Flags(rawValue: 1 << 6)
        static let hangulSyllable = Flags(rawValue: 1 << 7)
    }

    /// One scalar's facts packed as flags (bits 0–7), canonical combining class (8–15), decomposition offset (16–31).
    struct Entry {
        let bits: UInt32

        /// A scalar no step changes or splits on: the common case, tested with one comparison.
        @inline(__always) var isPlain: Bool { self.bits == 0 }
        @inline(__always) var flags: Flags { Flags(rawValue: self.bits & 0xFF) }
        @inline(__always) var combiningClass: UInt32 { (self.bits >> 8) & 0xFF }
        @inline(__always) var decompositionOffset: Int { Int(self.bits >> 16) }
    }

    private static let tableEnd: UInt32 = 0x20000
    private static let hangulBase: UInt32 = 0xAC00
    private static let hangulCount: UInt32 = 11_172

    private let entries: [UInt32]
    /// Decompositions as a length followed by the scalars; offset 0 is unused so that 0 means "none".
    private let pool: [Unicode.Scalar]
    /// Decompositions beyond plane 1 (the CJK compatibility supplement), by scalar value.
    private let farDecompositions: [UInt32: Int]

    init() {
        var entries = [UInt32](repeating: 0, count: Int(Self.tableEnd))
        for value in 0..<Self.tableEnd {
            if let scalar = Unicode.Scalar(value) { entries[Int(value)] = Self.classify(scalar) }
        }
        var pool: [Unicode.Scalar] = ["\0"]
        var farDecompositions: [UInt32: Int] = [:]
        for (scalar, decomposition) in Self.decompositions() {
            let offset = pool.count
            pool.append(Unicode.Scalar(UInt8(decomposition.count)))
            pool.append(contentsOf: decomposition)
            if scalar.value < Self.tableEnd {
                entries[Int(scalar.value)] |= Flags.decomposes.rawValue | UInt32(offset) << 16
            } else {
                farDecompositions[scalar.value] = offset
            }
        }
        precondition(pool.count <= 0xFFFF, "decomposition pool outgrew its 16-bit offsets")
        self.entries = entries
        self.pool = pool
        self.farDecompositions = farDecompositions
    }

    @inline(__always)
    func entry(_ scalar: Unicode.Scalar) -> Entry {
        let value = scalar.value
        if value < Self.tableEnd { return Entry(bits: self.entries[Int(value)]) }
        var bits = Self.classify(scalar)
        if let offset = self.farDecompositions[value] { bits |= Flags.decomposes.rawValue | UInt32(offset) << 16 }
        return Entry(bits: bits)
    }

    /// Appends the canonical decomposition of a scalar whose entry has `.decomposes` or `.hangulSyllable`.
    @inline(__always)
    func forEachDecomposed(_ scalar: Unicode.Scalar, _ entry: Entry, _ body: (Unicode.Scalar) -> Void) {
        if entry.flags.contains(.hangulSyllable) {
            // Hangul syllables decompose arithmetically into leading consonant, vowel and optional trailing consonant.
            let index = scalar.value - Self.hangulBase
            let trailing = index % 28
            body(Unicode.Scalar(0x1100 + index / 588) ?? scalar)
            body(Unicode.Scalar(0x1161 + (index % 588) / 28) ?? scalar)
            if trailing != 0 { body(Unicode.Scalar(0x11A7 + trailing) ?? scalar) }
            return
        }
        let offset = entry.decompositionOffset
        let count = Int(self.pool[offset].value)
        for index in (offset + 1)..<(offset + 1 + count) { body(self.pool[index]) }
    }

    private static func classify(_ scalar: Unicode.Scalar) -> UInt32 {
        var flags: Flags = []
        let value = scalar.value
        if BertCharacters.isChineseCharacter(value) { flags.insert(.chinese) }
        if value >= hangulBase && value < hangulBase + hangulCount { flags.insert(.hangulSyllable) }
        // Unassigned scalars are plain: HF's tables give them no category either.
        guard value < 0x80 || scalar.properties.age != nil else { return flags.rawValue }
        if BertCharacters.isRemovedControl(scalar) { flags.insert(.removed) }
        if BertCharacters.isWhitespace(scalar) { flags.insert(.whitespace) }
        if BertCharacters.isNonspacingMark(scalar) { flags.insert(.nonspacingMark) }
        if BertCharacters.isPunctuation(scalar) { flags.insert(.punctuation) }
        if scalar.properties.changesWhenLowercased { flags.insert(.lowercases) }
        return flags.rawValue | UInt32(scalar.properties.canonicalCombiningClass.rawValue) << 8
    }

    /// Every scalar whose NFD differs from itself, with that NFD, found with a single NFD pass over all candidates:
    /// each candidate is followed by U+0001, a starter that nothing decomposes into, so no reordering crosses it.
    /// Candidates are planes 0 and 1 and the CJK compatibility supplement; no other scalar has a decomposition.
    private static func decompositions() -> [(Unicode.Scalar, [Unicode.Scalar])] {
        let separator: Unicode.Scalar = "\u{1}"
        var candidates: [Unicode.Scalar] = []
        for value in UInt32(0xC0)..<tableEnd where value < hangulBase || value >= hangulBase + hangulCount {
            // HF's NFD tables predate Unicode 13, which gave U+11938 its decomposition; HF keeps it whole.
            guard value != 0x11938, let scalar = Unicode.Scalar(value), scalar.properties.age != nil else { continue }
            candidates.append(scalar)
        }
        for value in UInt32(0x2F800)...0x2FA1F {
            if let scalar = Unicode.Scalar(value) { candidates.append(scalar) }
        }
        var text = String.UnicodeScalarView()
        for scalar in candidates {
            text.append(scalar)
            text.append(separator)
        }
        var result: [(Unicode.Scalar, [Unicode.Scalar])] = []
        var index = 0
        var current: [Unicode.Scalar] = []
        for scalar in String(text).decomposedStringWithCanonicalMapping.unicodeScalars {
            guard scalar == separator else {
                current.append(scalar)
                continue
            }
            if index < candidates.count && current != [candidates[index]] { result.append((candidates[index], current)) }
            current.removeAll(keepingCapacity: true)
            index += 1
        }
        return result
    }
}
