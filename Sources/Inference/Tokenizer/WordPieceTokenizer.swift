import Foundation

/// A BERT WordPiece tokenizer that gives the ids Hugging Face `tokenizers` gives for the same files: added tokens,
/// `BertNormalizer`, `BertPreTokenizer`, `WordPiece`, longest-first truncation and the [CLS]/[SEP] template.
///
/// Immutable after loading, so one instance serves every request thread; a class, so that the closures of the
/// tokenizing loop capture one reference rather than copying every table.
public final class WordPieceTokenizer: Tokenizer {
    /// Tokens per input including special tokens; `encode(_:truncate: true)` never returns more.
    public let maxLength: Int
    public let padID: Int
    let normalizer: BertNormalizer
    let characters: BertCharacterTable
    let preTokenizer: BertPreTokenizer?
    let model: WordPieceModel
    /// Added tokens matched in the raw text, and those matched after normalization.
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher
    let postProcessor: PostProcessor
    let singleLayout: PostProcessor.SingleLayout?
    /// The text of every id, vocabulary and added tokens alike, shared by every `Encoding`.
    let spellings: [String]
    let specialIDs: Set<Int32>
    let lowercasesInput: Bool

    /// Loads `directory` (see `TokenizerConfiguration.load`); `maxLength` overrides the model's own limit.
    public convenience init(directory: URL, maxLength: Int? = nil) throws(TokenizerError) {
        try self.init(configuration: TokenizerConfiguration.load(directory: directory, maxLength: maxLength))
    }

    public init(configuration: TokenizerConfiguration) throws(TokenizerError) {
        let vocabulary = try WordPieceVocabulary(configuration.vocabulary, continuingSubwordPrefix: configuration.continuingSubwordPrefix)
        guard let unknownID = vocabulary.id(of: configuration.unknownToken) else {
            throw TokenizerError(.missingToken, "the unknown token \(configuration.unknownToken) is not in the vocabulary")
        }
        let needed = configuration.postProcessor.addedTokenCount(pair: true)
        guard configuration.maxLength > needed else {
            throw TokenizerError(.invalidConfiguration, "max length \(configuration.maxLength) leaves no room beside \(needed) special tokens")
        }
        self.maxLength = configuration.maxLength
        self.padID = configuration.padID
        self.normalizer = configuration.normalizer
        let characters = BertCharacterTable()
        self.characters = characters
        self.preTokenizer = configuration.splitsWords ? BertPreTokenizer() : nil
        self.model = WordPieceModel(vocabulary: vocabulary, unknownID: unknownID, maxInputCharsPerWord: configuration.maxInputCharsPerWord)
        let normalizer = configuration.normalizer
        self.rawAddedTokens = AddedTokenMatcher(configuration.addedTokens.filter { !$0.normalized }) { Array($0.content.unicodeScalars) }
        self.normalizedAddedTokens = AddedTokenMatcher(configuration.addedTokens.filter(\.normalized)) { token in
            var scalars: [Unicode.Scalar] = []
            normalizer.normalize(Array(token.content.unicodeScalars)[...], table: characters, into: &scalars)
            return scalars
        }
        self.postProcessor = configuration.postProcessor
        self.singleLayout = configuration.postProcessor.singleLayout

        // Added and template tokens spell their ids their own way, as HF's added vocabulary does.
        var spellings = vocabulary.tokens
        var specialIDs: Set<Int32> = []
        func spell(_ id: Int32, _ text: String) {
            guard id >= 0 else { return }
            if Int(id) >= spellings.count { spellings += [String](repeating: "", count: Int(id) + 1 - spellings.count) }
            spellings[Int(id)] = text
        }
        for token in configuration.addedTokens {
            spell(token.id, token.content)
            if token.special { specialIDs.insert(token.id) }
        }
        for piece in configuration.postProcessor.single + configuration.postProcessor.pair {
            guard case .special(let ids, let tokens, _) = piece else { continue }
            for (id, token) in zip(ids, tokens) { spell(id, token) }
            specialIDs.formUnion(ids)
        }
        self.spellings = spellings
        self.specialIDs = specialIDs
        self.lowercasesInput = configuration.lowercasesInput
    }

    public var vocabularySize: Int { self.model.vocabulary.count }

    public func id(of token: String) -> Int? { self.model.vocabulary.id(of: token).map(Int.init) }

    /// Whether `id` is one of the tokens the template or the added vocabulary marks special ([CLS], [SEP], [PAD]…).
    public func isSpecial(_ id: Int) -> Bool {
        guard let id = Int32(exactly: id) else { return false }
        return self.specialIDs.contains(id)
    }

    /// `[CLS] text [SEP]`, cut to `maxLength` when `truncate` is set.
    public func encode(_ text: String, truncate: Bool = true, addSpecialTokens: Bool = true) -> Encoding {
        let added = addSpecialTokens ? self.postProcessor.addedTokenCount(pair: false) : 0
        let budget = truncate ? self.maxLength - added : Int.max
        guard addSpecialTokens, let layout = self.singleLayout else {
            // Tokens come out in order and truncation keeps a prefix, so a single text can stop at the budget.
            var ids = self.tokenize(text, limit: budget)
            if ids.count > budget { ids.removeSubrange(budget...) }
            let laidOut = self.postProcessor.apply(first: ids, second: nil, addSpecialTokens: addSpecialTokens)
            return Encoding(ids: laidOut.ids, typeIDs: laidOut.typeIDs, spellings: self.spellings)
        }
        // The usual path: write [CLS], the pieces and [SEP] into one array.
        var ids = layout.prefixIDs
        ids.reserveCapacity(min(self.maxLength, text.utf8.count / 2 + 8))
        let limit = budget == Int.max ? Int.max : layout.prefixIDs.count + budget
        self.tokenize(text, limit: limit, into: &ids)
        if ids.count > limit { ids.removeSubrange(limit...) }
        let sequenceCount = ids.count - layout.prefixIDs.count
        ids.append(contentsOf: layout.suffixIDs)
        var typeIDs = layout.prefixTypes
        typeIDs.reserveCapacity(ids.count)
        typeIDs.append(contentsOf: repeatElement(layout.sequenceType, count: sequenceCount))
        typeIDs.append(contentsOf: layout.suffixTypes)
        return Encoding(ids: ids, typeIDs: typeIDs, spellings: self.spellings)
    }

    /// `[CLS] first [SEP] second [SEP]` with the second segment typed 1, cut longest-first to `maxLength`.
    public func encodePair(_ first: String, _ second: String, truncate: Bool = true, addSpecialTokens: Bool = true) -> Encoding {
        var first = self.tokenize(first, limit: .max)
        var second = self.tokenize(second, limit: .max)
        if truncate {
            let budget = self.maxLength - (addSpecialTokens ? self.postProcessor.addedTokenCount(pair: true) : 0)
            let (firstLength, secondLength) = Truncation.longestFirst(first.count, second.count, budget: budget)
            first.removeSubrange(firstLength...)
            second.removeSubrange(secondLength...)
        }
        let laidOut = self.postProcessor.apply(first: first, second: second, addSpecialTokens: addSpecialTokens)
        return Encoding(ids: laidOut.ids, typeIDs: laidOut.typeIDs, spellings: self.spellings)
    }

    /// Encodes every text; `longest` is the length to pad the batch to.
    public func encodeBatch(_ texts: [String], truncate: Bool = true) -> BatchEncoding {
        BatchEncoding(texts.map { self.encode($0, truncate: truncate) })
    }

    public func encodePairBatch(_ pairs: [(String, String)], truncate: Bool = true) -> BatchEncoding {
        BatchEncoding(pairs.map { self.encodePair($0.0, $0.1, truncate: truncate) })
    }

    /// The text after HF's normalizer, for debugging a surprising tokenization.
    public func normalize(_ text: String) -> String {
        self.normalizer.normalize(text, table: self.characters)
    }

    /// HF's `LongestFirst` for pairs (see `Truncation.longestFirst`).
    static func longestFirst(_ first: Int, _ second: Int, budget: Int) -> (Int, Int) {
        Truncation.longestFirst(first, second, budget: budget)
    }

    /// The ids of one text without special tokens; stops once `limit` ids are out.
    func tokenize(_ text: String, limit: Int) -> [Int32] {
        var ids: [Int32] = []
        self.tokenize(text, limit: limit, into: &ids)
        return ids
    }

    /// Appends the ids of `text` to `ids`, stopping soon after `ids.count` reaches `limit`.
    func tokenize(_ text: String, limit: Int, into ids: inout [Int32]) {
        let scalars = Self.scalars(of: self.lowercasesInput ? text.lowercased() : text)
        var normalized: [Unicode.Scalar] = []
        if self.rawAddedTokens.isEmpty {
            self.tokenizeText(scalars[...], limit: limit, normalized: &normalized, ids: &ids)
            return
        }
        self.rawAddedTokens.split(scalars[...]) { segment in
            guard ids.count < limit else { return }
            switch segment {
            case .text(let range): self.tokenizeText(scalars[range], limit: limit, normalized: &normalized, ids: &ids)
            case .token(let token): ids.append(token.id)
            }
        }
    }

    /// Normalizes text between raw added tokens, then splits it into words and words into pieces.
    private func tokenizeText(_ raw: ArraySlice<Unicode.Scalar>, limit: Int, normalized: inout [Unicode.Scalar], ids: inout [Int32]) {
        normalized.removeAll(keepingCapacity: true)
        self.normalizer.normalize(raw, table: self.characters, into: &normalized)
        let text = normalized[...]
        if self.normalizedAddedTokens.isEmpty {
            self.tokenizeWords(text, limit: limit, ids: &ids)
            return
        }
        self.normalizedAddedTokens.split(text) { segment in
            guard ids.count < limit else { return }
            switch segment {
            case .text(let range): self.tokenizeWords(text[range], limit: limit, ids: &ids)
            case .token(let token): ids.append(token.id)
            }
        }
    }

    private func tokenizeWords(_ text: ArraySlice<Unicode.Scalar>, limit: Int, ids: inout [Int32]) {
        guard !text.isEmpty else { return }
        WordPieceModel.withText(text) { utf8 in
            guard let preTokenizer = self.preTokenizer else {
                self.model.tokenize(0..<text.count, in: utf8, ids: &ids)
                return
            }
            let base = text.startIndex
            preTokenizer.forEachWord(in: text, table: self.characters) { range in
                guard ids.count < limit else { return }
                self.model.tokenize((range.lowerBound - base)..<(range.upperBound - base), in: utf8, ids: &ids)
            }
        }
    }

    /// Decodes the text's UTF-8 in one pass (`Array(text.unicodeScalars)` makes two).
    static func scalars(of text: String) -> [Unicode.Scalar] {
        var text = text
        return text.withUTF8 { utf8 in
            [Unicode.Scalar](unsafeUninitializedCapacity: utf8.count) { buffer, initialized in
                var index = 0
                var count = 0
                // A String's UTF-8 is always valid, so every lead byte has its continuation bytes.
                while index < utf8.count {
                    let lead = UInt32(utf8[index])
                    var value: UInt32
                    if lead < 0x80 {
                        value = lead
                        index += 1
                    } else if lead < 0xE0 {
                        value = (lead & 0x1F) << 6 | UInt32(utf8[index + 1] & 0x3F)
                        index += 2
                    } else if lead < 0xF0 {
                        value = (lead & 0x0F) << 12 | UInt32(utf8[index + 1] & 0x3F) << 6 | UInt32(utf8[index + 2] & 0x3F)
                        index += 3
                    } else {
                        value = (lead & 0x07) << 18 | UInt32(utf8[index + 1] & 0x3F) << 12 | UInt32(utf8[index + 2] & 0x3F) << 6
                        value |= UInt32(utf8[index + 3] & 0x3F)
                        index += 4
                    }
                    buffer[count] = Unicode.Scalar(value) ?? "\u{FFFD}"
                    count += 1
                }
                initialized = count
            }
        }
    }
}
