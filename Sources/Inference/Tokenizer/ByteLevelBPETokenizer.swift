import Foundation

/// A byte-level BPE tokenizer (GPT-2, RoBERTa, BART) that gives the ids Hugging Face `tokenizers` gives for the
/// same tokenizer.json: added tokens, the `ByteLevel` pre-tokenizer, `BPE` by merge rank, longest-first truncation
/// and the `RobertaProcessing` (or template) post-processor.
///
/// Immutable after loading apart from the BPE model's word cache, which is behind a lock, so one instance serves
/// every request thread.
public final class ByteLevelBPETokenizer: Tokenizer {
    /// Tokens per input including special tokens; `encode(_:truncate: true)` never returns more.
    public let maxLength: Int
    public let padID: Int
    let preTokenizer: ByteLevelPreTokenizer
    let model: BPEModel
    /// Added tokens matched in the raw text, then those matched in the normalized text (the same text: RoBERTa and
    /// BART have no normalizer, but HF still makes two passes, and the first wins an overlap).
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher
    let postProcessor: PostProcessor
    /// The text of every id (byte-level spellings, and added tokens as written), shared by every `Encoding`.
    let spellings: [String]
    let specialIDs: Set<Int32>
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
        let needed = configuration.postProcessor.addedTokenCount(pair: true)
        guard configuration.maxLength > needed else {
            throw TokenizerError(.invalidConfiguration, "max length \(configuration.maxLength) leaves no room beside \(needed) special tokens")
        }
        self.maxLength = configuration.maxLength
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
        self.postProcessor = configuration.postProcessor

        let largest = max(vocabulary.values.max() ?? -1, configuration.addedTokens.map(\.id).max() ?? -1)
        var spellings = [String](repeating: "", count: Int(largest) + 1)
        for (token, id) in vocabulary { spellings[Int(id)] = token }
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
        self.vocabulary = vocabulary
        self.lowercasesInput = configuration.lowercasesInput
    }

    public var vocabularySize: Int { self.vocabulary.count }

    /// The id of a vocabulary entry, spelled byte-level ("Ġhello").
    public func id(of token: String) -> Int? { self.vocabulary[token].map(Int.init) }

    public func isSpecial(_ id: Int) -> Bool {
        guard let id = Int32(exactly: id) else { return false }
        return self.specialIDs.contains(id)
    }

    /// `<s> text </s>` for RoBERTa and BART, cut to `maxLength` when `truncate` is set.
    public func encode(_ text: String, truncate: Bool = true, addSpecialTokens: Bool = true) -> Encoding {
        let added = addSpecialTokens ? self.postProcessor.addedTokenCount(pair: false) : 0
        let budget = truncate ? self.maxLength - added : Int.max
        // Tokens come out in order and truncation keeps a prefix, so a single text can stop at the budget.
        var ids = self.tokenize(text, limit: budget)
        if ids.count > budget { ids.removeSubrange(budget...) }
        let laidOut = self.postProcessor.apply(first: ids, second: nil, addSpecialTokens: addSpecialTokens)
        return Encoding(ids: laidOut.ids, typeIDs: laidOut.typeIDs, spellings: self.spellings)
    }

    /// `<s> first </s></s> second </s>` for RoBERTa and BART, cut longest-first to `maxLength`.
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

    public func encodeBatch(_ texts: [String], truncate: Bool = true) -> BatchEncoding {
        BatchEncoding(texts.map { self.encode($0, truncate: truncate) })
    }

    public func encodePairBatch(_ pairs: [(String, String)], truncate: Bool = true) -> BatchEncoding {
        BatchEncoding(pairs.map { self.encodePair($0.0, $0.1, truncate: truncate) })
    }

    /// The ids of one text without special tokens; stops once `limit` ids are out.
    func tokenize(_ text: String, limit: Int) -> [Int32] {
        let scalars = WordPieceTokenizer.scalars(of: self.lowercasesInput ? text.lowercased() : text)
        var ids: [Int32] = []
        ids.reserveCapacity(min(limit, scalars.count / 3 + 4))
        self.rawAddedTokens.split(scalars[...]) { segment in
            guard ids.count < limit else { return }
            switch segment {
            case .text(let range): self.tokenizeText(scalars[range], limit: limit, ids: &ids)
            case .token(let token): ids.append(token.id)
            }
        }
        return ids
    }

    /// Text between raw added tokens: there is no normalizer, so the normalized added tokens are matched in it as is.
    private func tokenizeText(_ text: ArraySlice<Unicode.Scalar>, limit: Int, ids: inout [Int32]) {
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
