/// Hugging Face's `BertNormalizer`, step for step and in its order: clean text, pad CJK ideographs with spaces,
/// strip accents (NFD, then drop nonspacing marks), lowercase. It works on Unicode scalars, as HF works on `char`s.
public struct BertNormalizer: Sendable, Equatable {
    public var cleanText: Bool
    public var handleChineseChars: Bool
    public var stripAccents: Bool
    public var lowercase: Bool

    /// `stripAccents: nil` follows `lowercase`, as HF does when tokenizer.json has `"strip_accents": null`.
    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents ?? lowercase
        self.lowercase = lowercase
    }

    /// The normalized text, for tests and tools; builds a character table, so it is slow to call repeatedly.
    func normalize(_ text: String, table: BertCharacterTable = BertCharacterTable()) -> String {
        var output: [Unicode.Scalar] = []
        self.normalize(Array(text.unicodeScalars)[...], table: table, into: &output)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: output)
        return String(view)
    }

    /// Appends the normalized form of `input` to `output` in one pass. Accent stripping decomposes as it goes and
    /// keeps each run of combining marks in canonical order (a stable sort by combining class), as NFD does.
    func normalize(_ input: ArraySlice<Unicode.Scalar>, table: BertCharacterTable, into output: inout [Unicode.Scalar]) {
        output.reserveCapacity(output.count + input.count + input.count / 4)
        // Where the current run of combining marks begins: marks reorder only among themselves, never past a starter.
        var runStart = output.count
        for scalar in input {
            let entry = table.entry(scalar)
            if entry.isPlain {
                output.append(scalar)
                runStart = output.count
                continue
            }
            let flags = entry.flags
            // HF drops controls before NFD, so a dropped control does not end a run of marks.
            if self.cleanText {
                if flags.contains(.removed) { continue }
                if flags.contains(.whitespace) {
                    output.append(" ")
                    runStart = output.count
                    continue
                }
            }
            if self.handleChineseChars && flags.contains(.chinese) {
                output.append(" ")
                self.append(scalar, entry, table: table, runStart: &runStart, to: &output)
                output.append(" ")
                runStart = output.count
            } else {
                self.append(scalar, entry, table: table, runStart: &runStart, to: &output)
            }
        }
    }

    @inline(__always)
    private func append(
        _ scalar: Unicode.Scalar,
        _ entry: BertCharacterTable.Entry,
        table: BertCharacterTable,
        runStart: inout Int,
        to output: inout [Unicode.Scalar]
    ) {
        guard self.stripAccents else {
            if self.lowercase && entry.flags.contains(.lowercases) {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                output.append(scalar)
            }
            return
        }
        if entry.flags.contains(.decomposes) || entry.flags.contains(.hangulSyllable) {
            table.forEachDecomposed(scalar, entry) { part in
                self.appendDecomposed(part, table.entry(part), table: table, runStart: &runStart, to: &output)
            }
        } else {
            self.appendDecomposed(scalar, entry, table: table, runStart: &runStart, to: &output)
        }
    }

    /// One scalar of the NFD: nonspacing marks are dropped, others lowercased if configured, combining marks sorted
    /// into place. Dropping before sorting is safe because a stable sort keeps the survivors' relative order.
    @inline(__always)
    private func appendDecomposed(
        _ scalar: Unicode.Scalar,
        _ entry: BertCharacterTable.Entry,
        table: BertCharacterTable,
        runStart: inout Int,
        to output: inout [Unicode.Scalar]
    ) {
        let combiningClass = entry.combiningClass
        if entry.flags.contains(.nonspacingMark) {
            if combiningClass == 0 { runStart = output.count }
            return
        }
        let lowered = self.lowercase && entry.flags.contains(.lowercases)
        if combiningClass == 0 {
            if lowered {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                output.append(scalar)
            }
            runStart = output.count
            return
        }
        var position = output.count
        while position > runStart && table.entry(output[position - 1]).combiningClass > combiningClass { position -= 1 }
        if lowered {
            output.insert(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars, at: position)
        } else {
            output.insert(scalar, at: position)
        }
    }
}
