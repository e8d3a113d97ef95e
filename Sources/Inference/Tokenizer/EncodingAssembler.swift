/// What every tokenizer does once its model has given ids, as HF's `TokenizerImpl::post_process` does for every
/// model: cut them to `maxLength`, lay them out with the post-processor's special tokens, and wrap them in an
/// `Encoding` that can spell every id. One copy, so WordPiece and byte-level BPE truncate and template alike.
struct EncodingAssembler: Sendable {
    /// Tokens per input including special tokens.
    let maxLength: Int
    let postProcessor: PostProcessor
    /// The post-processor's single template split around its sequence, for the usual path of `encode`.
    private let singleLayout: PostProcessor.SingleLayout?
    /// The text of every id, vocabulary entries and added tokens alike, shared by every `Encoding`.
    let spellings: [String]
    let specialIDs: Set<Int32>

    /// `vocabulary` spells the model's ids (index = id); added and template tokens then spell their ids their own
    /// way, as HF's added vocabulary does. Throws when `maxLength` leaves no room beside a pair's special tokens.
    init(maxLength: Int, postProcessor: PostProcessor, vocabulary: [String], addedTokens: [AddedToken]) throws(TokenizerError) {
        let needed = postProcessor.addedTokenCount(pair: true)
        guard maxLength > needed else {
            throw TokenizerError(.invalidConfiguration, "max length \(maxLength) leaves no room beside \(needed) special tokens")
        }
        var spellings = vocabulary
        var specialIDs: Set<Int32> = []
        func spell(_ id: Int32, _ text: String) {
            guard id >= 0 else { return }
            if Int(id) >= spellings.count { spellings += [String](repeating: "", count: Int(id) + 1 - spellings.count) }
            spellings[Int(id)] = text
        }
        for token in addedTokens {
            spell(token.id, token.content)
            if token.special { specialIDs.insert(token.id) }
        }
        for piece in postProcessor.single + postProcessor.pair {
            guard case .special(let ids, let tokens, _) = piece else { continue }
            for (id, token) in zip(ids, tokens) { spell(id, token) }
            specialIDs.formUnion(ids)
        }
        self.maxLength = maxLength
        self.postProcessor = postProcessor
        self.singleLayout = postProcessor.singleLayout
        self.spellings = spellings
        self.specialIDs = specialIDs
    }

    /// A tokenizer's own step: appends the ids of `text` to `ids`, and may stop once `ids` holds `limit` ids.
    typealias Tokenize = (_ text: String, _ limit: Int, _ ids: inout [Int32]) -> Void

    /// Whether `id` is one of the tokens the template or the added vocabulary marks special.
    func isSpecial(_ id: Int) -> Bool {
        guard let id = Int32(exactly: id) else { return false }
        return self.specialIDs.contains(id)
    }

    /// One text, cut to `maxLength` when `truncate` is set. `tokenize` appends a text's ids, without special tokens,
    /// to the array it is given, and may stop once that array holds `limit` ids: truncation keeps a prefix.
    func encode(_ text: String, truncate: Bool, addSpecialTokens: Bool, tokenize: Tokenize) -> Encoding {
        let added = addSpecialTokens ? self.postProcessor.addedTokenCount(pair: false) : 0
        let budget = truncate ? self.maxLength - added : Int.max
        guard addSpecialTokens, let layout = self.singleLayout else {
            var ids: [Int32] = []
            tokenize(text, budget, &ids)
            if ids.count > budget { ids.removeSubrange(budget...) }
            let laidOut = self.postProcessor.apply(first: ids, second: nil, addSpecialTokens: addSpecialTokens)
            return Encoding(ids: laidOut.ids, typeIDs: laidOut.typeIDs, spellings: self.spellings)
        }
        // The usual path: write the template's prefix ([CLS], <s>), the text's ids and the suffix into one array.
        var ids = layout.prefixIDs
        let limit = budget == Int.max ? Int.max : layout.prefixIDs.count + budget
        tokenize(text, limit, &ids)
        if ids.count > limit { ids.removeSubrange(limit...) }
        let sequenceCount = ids.count - layout.prefixIDs.count
        ids.append(contentsOf: layout.suffixIDs)
        var typeIDs = layout.prefixTypes
        typeIDs.reserveCapacity(ids.count)
        typeIDs.append(contentsOf: repeatElement(layout.sequenceType, count: sequenceCount))
        typeIDs.append(contentsOf: layout.suffixTypes)
        return Encoding(ids: ids, typeIDs: typeIDs, spellings: self.spellings)
    }

    /// Two texts as one input, cut longest-first to `maxLength` when `truncate` is set; `tokenize` as for `encode`.
    func encodePair(_ first: String, _ second: String, truncate: Bool, addSpecialTokens: Bool, tokenize: Tokenize) -> Encoding {
        var firstIDs: [Int32] = []
        var secondIDs: [Int32] = []
        tokenize(first, .max, &firstIDs)
        tokenize(second, .max, &secondIDs)
        if truncate {
            let budget = self.maxLength - (addSpecialTokens ? self.postProcessor.addedTokenCount(pair: true) : 0)
            let (firstLength, secondLength) = Truncation.longestFirst(firstIDs.count, secondIDs.count, budget: budget)
            firstIDs.removeSubrange(firstLength...)
            secondIDs.removeSubrange(secondLength...)
        }
        let laidOut = self.postProcessor.apply(first: firstIDs, second: secondIDs, addSpecialTokens: addSpecialTokens)
        return Encoding(ids: laidOut.ids, typeIDs: laidOut.typeIDs, spellings: self.spellings)
    }
}
