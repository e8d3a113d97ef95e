import Foundation

/// A BERT WordPiece tokenizer that gives the ids Hugging Face `tokenizers` gives for the same files: added tokens,
/// `BertNormalizer`, `BertPreTokenizer`, `WordPiece`, longest-first truncation and the [CLS]/[SEP] template.
///
/// Immutable after loading, so one instance serves every request thread; a class, so that the closures of the
/// tokenizing loop capture one reference rather than copying every table.
public final class WordPieceTokenizer: Tokenizer {
    /// Tokens per input including special tokens; `encode(_:truncate: true)` never returns more.
    public var maxLength: Int { self.assembler.maxLength }
    public let padID: Int
    let normalizer: BertNormalizer
    let characters: BertCharacterTable
    let preTokenizer: BertPreTokenizer?
    let model: WordPieceModel
    /// Added tokens matched in the raw text, and those matched after normalization.
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher
    /// Truncation, the [CLS]/[SEP] template and the spelling of every id.
    let assembler: EncodingAssembler
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
        self.assembler = try EncodingAssembler(
            maxLength: configuration.maxLength,
            postProcessor: configuration.postProcessor,
            vocabulary: vocabulary.tokens,
            addedTokens: configuration.addedTokens
        )
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
        self.lowercasesInput = configuration.lowercasesInput
    }

    public var vocabularySize: Int { self.model.vocabulary.count }

    public func id(of token: String) -> Int? { self.model.vocabulary.id(of: token).map(Int.init) }

    /// Whether `id` is one of the tokens the template or the added vocabulary marks special ([CLS], [SEP], [PAD]…).
    public func isSpecial(_ id: Int) -> Bool { self.assembler.isSpecial(id) }

    /// `[CLS] text [SEP]`, cut to `maxLength` when `truncate` is set.
    public func encode(_ text: String, truncate: Bool = true, addSpecialTokens: Bool = true) -> Encoding {
        self.assembler.encode(text, truncate: truncate, addSpecialTokens: addSpecialTokens, tokenize: self.tokenize)
    }

    /// `[CLS] first [SEP] second [SEP]` with the second segment typed 1, cut longest-first to `maxLength`.
    public func encodePair(_ first: String, _ second: String, truncate: Bool = true, addSpecialTokens: Bool = true) -> Encoding {
        self.assembler.encodePair(first, second, truncate: truncate, addSpecialTokens: addSpecialTokens, tokenize: self.tokenize)
    }

    /// The text after HF's normalizer, for debugging a surprising tokenization.
    public func normalize(_ text: String) -> String {
        self.normalizer.normalize(text, table: self.characters)
    }

    /// Appends the ids of `text` to `ids`, stopping soon after `ids.count` reaches `limit`.
    func tokenize(_ text: String, limit: Int, into ids: inout [Int32]) {
        ids.reserveCapacity(ids.count + min(limit, text.utf8.count / 2 + 8))
        let scalars = Self.scalars(of: self.lowercasesInput ? text.lowercased() : text)
        var normalized: [Unicode.Scalar] = []
        self.rawAddedTokens.split(scalars[...], limit: limit, into: &ids) { raw, ids in
            self.tokenizeText(raw, limit: limit, normalized: &normalized, ids: &ids)
        }
    }

    /// Normalizes text between raw added tokens, then splits it into words and words into pieces.
    private func tokenizeText(_ raw: ArraySlice<Unicode.Scalar>, limit: Int, normalized: inout [Unicode.Scalar], ids: inout [Int32]) {
        normalized.removeAll(keepingCapacity: true)
        self.normalizer.normalize(raw, table: self.characters, into: &normalized)
        self.normalizedAddedTokens.split(normalized[...], limit: limit, into: &ids) { text, ids in
            self.tokenizeWords(text, limit: limit, ids: &ids)
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
