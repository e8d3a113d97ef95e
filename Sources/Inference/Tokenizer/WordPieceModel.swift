/// HF's `WordPiece` model: greedy longest-match-first over one word, with "##" pieces after the first; the whole
/// word becomes the unknown token when any part has no match or the word is longer than `maxInputCharsPerWord`.
struct WordPieceModel: Sendable {
    let vocabulary: WordPieceVocabulary
    let unknownID: Int32
    /// Counted in Unicode scalars, as HF counts `char`s.
    let maxInputCharsPerWord: Int

    /// Normalized text as UTF-8, encoded once per text so that each word's pieces are slices of it.
    struct Text {
        let bytes: UnsafeBufferPointer<UInt8>
        /// `boundaries[i]` is the byte offset of scalar `i`; the entry after the last scalar is the byte count.
        let boundaries: UnsafeBufferPointer<Int32>
    }

    /// Calls `body` with `scalars` as UTF-8 and the byte offset of every scalar.
    static func withText<Result>(_ scalars: ArraySlice<Unicode.Scalar>, _ body: (Text) -> Result) -> Result {
        var boundaries = [Int32](repeating: 0, count: scalars.count + 1)
        let bytes = [UInt8](unsafeUninitializedCapacity: scalars.count * 4) { buffer, initialized in
            boundaries.withUnsafeMutableBufferPointer { offsets in
                var count = 0
                var index = 0
                for scalar in scalars {
                    offsets[index] = Int32(truncatingIfNeeded: count)
                    index += 1
                    let value = scalar.value
                    if value < 0x80 {
                        buffer[count] = UInt8(truncatingIfNeeded: value)
                        count += 1
                    } else if value < 0x800 {
                        buffer[count] = UInt8(truncatingIfNeeded: 0xC0 | (value >> 6))
                        buffer[count + 1] = UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F))
                        count += 2
                    } else if value < 0x10000 {
                        buffer[count] = UInt8(truncatingIfNeeded: 0xE0 | (value >> 12))
                        buffer[count + 1] = UInt8(truncatingIfNeeded: 0x80 | ((value >> 6) & 0x3F))
                        buffer[count + 2] = UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F))
                        count += 3
                    } else {
                        buffer[count] = UInt8(truncatingIfNeeded: 0xF0 | (value >> 18))
                        buffer[count + 1] = UInt8(truncatingIfNeeded: 0x80 | ((value >> 12) & 0x3F))
                        buffer[count + 2] = UInt8(truncatingIfNeeded: 0x80 | ((value >> 6) & 0x3F))
                        buffer[count + 3] = UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F))
                        count += 4
                    }
                }
                offsets[index] = Int32(truncatingIfNeeded: count)
                initialized = count
            }
        }
        return bytes.withUnsafeBufferPointer { bytes in
            boundaries.withUnsafeBufferPointer { boundaries in body(Text(bytes: bytes, boundaries: boundaries)) }
        }
    }

    /// Appends the ids of the word made of scalars `word` (indices into `text`) to `ids`.
    @inline(__always)
    func tokenize(_ word: Range<Int>, in text: Text, ids: inout [Int32]) {
        if word.count > self.maxInputCharsPerWord {
            ids.append(self.unknownID)
            return
        }
        let firstPiece = ids.count
        let boundaries = text.boundaries
        var start = word.lowerBound
        while start < word.upperBound {
            let continuation = start > word.lowerBound
            let longest = self.vocabulary.longestKey(continuation: continuation)
            let startByte = Int(boundaries[start])
            var end = word.upperBound
            while end > start && Int(boundaries[end]) - startByte > longest { end -= 1 }
            var found: Int32? = nil
            while end > start {
                let piece = UnsafeBufferPointer(rebasing: text.bytes[startByte..<Int(boundaries[end])])
                if let id = self.vocabulary.id(piece, continuation: continuation) {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.removeSubrange(firstPiece...)
                ids.append(self.unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}
