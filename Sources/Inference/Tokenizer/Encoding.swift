/// One tokenized input as the model takes it: special tokens included, truncated, not padded.
public struct Encoding: Sendable, Equatable {
    public var ids: [Int32]
    /// Segment of each token: 0 for the first text (with [CLS] and its [SEP]), 1 for the second of a pair.
    public var typeIDs: [Int32]
    /// The text of every id, shared with the tokenizer, so an encoding holds one reference instead of a String per token.
    let spellings: [String]

    init(ids: [Int32], typeIDs: [Int32], spellings: [String]) {
        self.ids = ids
        self.typeIDs = typeIDs
        self.spellings = spellings
    }

    public var count: Int { self.ids.count }

    /// The vocabulary entry of each id ("[CLS]", "hello", "##ing"), read on demand.
    public var tokens: Tokens { Tokens(ids: self.ids, spellings: self.spellings) }

    /// All ones: an encoding is never padded; padding is the batch builder's job.
    public var attentionMask: [Int32] { [Int32](repeating: 1, count: self.ids.count) }

    public static func == (lhs: Encoding, rhs: Encoding) -> Bool {
        lhs.ids == rhs.ids && lhs.typeIDs == rhs.typeIDs && lhs.tokens.elementsEqual(rhs.tokens)
    }

    /// The token strings of an encoding, looked up by id when read.
    public struct Tokens: RandomAccessCollection, Sendable {
        let ids: [Int32]
        let spellings: [String]

        public var startIndex: Int { 0 }
        public var endIndex: Int { self.ids.count }

        public subscript(position: Int) -> String {
            let id = Int(self.ids[position])
            return id >= 0 && id < self.spellings.count ? self.spellings[id] : ""
        }
    }
}

/// Encodings of several inputs, with the longest length so the caller can size a padded batch once.
public struct BatchEncoding: Sendable, Equatable {
    public var encodings: [Encoding]
    public var longest: Int

    public init(_ encodings: [Encoding]) {
        self.encodings = encodings
        self.longest = encodings.reduce(0) { max($0, $1.count) }
    }
}
