import Foundation

/// A byte-level BPE tokenizer (GPT-2, RoBERTa, BART) that gives the ids Hugging Face `tokenizers` gives for the
/// same tokenizer.json: added tokens, the `ByteLevel` pre-tokenizer, `BPE` by merge rank, longest-first truncation
/// and the `RobertaProcessing` (or template) post-processor.
///
/// Immutable after loading apart from the BPE model's word cache, which is behind a lock, so one instance serves
/// every request thread.
public final class ByteLevelBPETokenizer: Tokenizer {
    /// Tokens per input including special tokens; `encode(_:truncate: true)` never returns more.
    public var maxLength: Int { self.assembler.maxLength }
    public let padID: Int
    let preTokenizer: ByteLevelPreTokenizer
    let model: BPEModel
    /// Added tokens matched in the raw text, then those matched in the normalized text (the same text: RoBERTa and
    /// BART have no normalizer, but HF still makes two passes, and the first wins an overlap).
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher
    /// Truncation, the `<s>`/`</s>` template and the spelling of every id (byte-level, and added tokens as written).
    let assembler: EncodingAssembler
    let vocabulary: [String: Int32]
    let lowercasesInput: Bool

    /// Loads `directory` (see `BPEConfiguration.load`); `maxLength` overrides the model's own limit.
    public convenience init(directory: URL, maxLength: Int? = nil) throws(TokenizerError) {
        try self.init(configuration: BPEConfiguration.load(directory: directory, maxLength: maxLength))
    }

    public init(configuration: BPEConfiguration) throws(TokenizerError) {
        let vocabulary = configuration.vocabulary
        var merges: [(left: Int32, right: Int32, merged: Int32)] = []
        merges.reserveCapacity(configuration.merges.count)
        for (rank, (left, right)) in configuration.merges.enumerated() {
            guard let leftID = vocabulary[left], let rightID = vocabulary[right], let mergedID = vocabulary[left + right] else {
                throw TokenizerError(.missingToken, "merge \(rank) (\"\(left)\" \"\(right)\") uses a token that is not in the vocabulary")
            }
            merges.append((leftID, rightID, mergedID))
        }
        let unknownID = try configuration.unknownToken.map { token throws(TokenizerError) in
            guard let id = vocabulary[token] else {
                throw TokenizerError(.missingToken, "the unknown token \(token) is not in the vocabulary")
            }
            return id
        }
        var spellings = [String](repeating: "", count: Int(vocabulary.values.max() ?? -1) + 1)
        for (token, id) in vocabulary { spellings[Int(id)] = token }
        self.assembler = try EncodingAssembler(
            maxLength: configuration.maxLength,
            postProcessor: configuration.postProcessor,
            vocabulary: spellings,
            addedTokens: configuration.addedTokens
        )
        self.padID = configuration.padID
        self.preTokenizer = configuration.preTokenizer
        self.model = BPEModel(
            vocabulary: vocabulary,
            merges: merges,
            unknownID: unknownID,
            fuseUnknown: configuration.fuseUnknown,
            ignoreMerges: configuration.ignoreMerges
        )
        let content = { (token: AddedToken) in Array(token.content.unicodeScalars) }
        self.rawAddedTokens = AddedTokenMatcher(configuration.addedTokens.filter { !$0.normalized }, spell: content)
        self.normalizedAddedTokens = AddedTokenMatcher(configuration.addedTokens.filter(\.normalized), spell: content)
        self.vocabulary = vocabulary
        self.lowercasesInput = configuration.lowercasesInput
    }

    public var vocabularySize: Int { self.vocabulary.count }

    /// The id of a vocabulary entry, spelled byte-level ("Ġhello").
    public func id(of token: String) -> Int? { self.vocabulary[token].map(Int.init) }

    public func isSpecial(_ id: Int) -> Bool { self.assembler.isSpecial(id) }

    /// `<s> text </s>` for RoBERTa and BART, cut to `maxLength` when `truncate` is set.
    public func encode(_ text: String, truncate: Bool = true, addSpecialTokens: Bool = true) -> Encoding {
        self.assembler.encode(text, truncate: truncate, addSpecialTokens: addSpecialTokens, tokenize: self.tokenize)
    }

    /// `<s> first </s></s> second </s>` for RoBERTa and BART, cut longest-first to `maxLength`.
    public func encodePair(_ first: String, _ second: String, truncate: Bool = true, addSpecialTokens: Bool = true) -> Encoding {
        self.assembler.encodePair(first, second, truncate: truncate, addSpecialTokens: addSpecialTokens, tokenize: self.tokenize)
    }

    /// Appends the ids of one text, without special tokens, to `ids`; stops once `ids` holds `limit` ids.
    func tokenize(_ text: String, limit: Int, into ids: inout [Int32]) {
        let scalars = WordPieceTokenizer.scalars(of: self.lowercasesInput ? text.lowercased() : text)
        ids.reserveCapacity(ids.count + min(limit, scalars.count / 3 + 4))
        self.rawAddedTokens.split(scalars[...], limit: limit, into: &ids) { raw, ids in
            // There is no normalizer, so the normalized added tokens are matched in the raw text as is.
            self.normalizedAddedTokens.split(raw, limit: limit, into: &ids) { text, ids in
                self.tokenizeWords(text, limit: limit, ids: &ids)
            }
        }
    }

    /// One piece of text between added tokens: the prefix space, the words, each word's BPE ids.
    private func tokenizeWords(_ text: ArraySlice<Unicode.Scalar>, limit: Int, ids: inout [Int32]) {
        guard !text.isEmpty else { return }
        var text = text
        if self.preTokenizer.addPrefixSpace && text.first != " " {
            text = ([" "] + text)[...]
        }
        WordPieceModel.withText(text) { utf8 in
            let base = text.startIndex
            self.preTokenizer.forEachWord(in: text) { range in
                guard ids.count < limit else { return }
                let start = Int(utf8.boundaries[range.lowerBound - base])
                let end = Int(utf8.boundaries[range.upperBound - base])
                self.model.tokenize(UnsafeBufferPointer(rebasing: utf8.bytes[start..<end]), into: &ids)
            }
        }
    }
}
