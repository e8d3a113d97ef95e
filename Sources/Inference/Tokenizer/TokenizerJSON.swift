/// tokenizer.json as every tokenizer reads it: the sections all pipelines share are here, while the ones that
/// differ by model (`model`, `normalizer`, `pre_tokenizer`) are each configuration's own shapes. Property names
/// are the JSON keys.
struct TokenizerJSON<Model: Decodable, Normalizer: Decodable, PreTokenizer: Decodable>: Decodable {
    struct Truncation: Decodable {
        let max_length: Int?
    }
    struct Padding: Decodable {
        let pad_id: Int?
    }
    let added_tokens: [AddedTokenJSON]?
    let normalizer: Normalizer?
    let pre_tokenizer: PreTokenizer?
    let model: Model
    let post_processor: PostProcessorJSON?
    let truncation: Truncation?
    let padding: Padding?

    /// The added tokens, with HF's defaults for the flags the file leaves out.
    var addedTokens: [AddedToken] { (self.added_tokens ?? []).map(\.token) }
}

/// An `added_tokens` entry; flags HF leaves out take its defaults (normalized unless special).
struct AddedTokenJSON: Decodable {
    let id: Int
    let content: String
    let single_word: Bool?
    let lstrip: Bool?
    let rstrip: Bool?
    let normalized: Bool?
    let special: Bool?

    var token: AddedToken {
        AddedToken(
            content: self.content,
            id: Int32(clamping: self.id),
            special: self.special ?? false,
            normalized: self.normalized ?? !(self.special ?? false),
            leftStrip: self.lstrip ?? false,
            rightStrip: self.rstrip ?? false,
            singleWord: self.single_word ?? false
        )
    }
}

struct PostProcessorJSON: Decodable {
    /// BertProcessing's and RobertaProcessing's `["[SEP]", 102]`.
    struct NamedID: Decodable {
        let token: String
        let id: Int
        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            self.token = try container.decode(String.self)
            self.id = try container.decode(Int.self)
        }
    }
    struct Special: Decodable {
        let ids: [Int]
        let tokens: [String]
    }
    let type: String
    let single: [TemplatePieceJSON]?
    let pair: [TemplatePieceJSON]?
    let special_tokens: [String: Special]?
    let cls: NamedID?
    let sep: NamedID?
}

struct TemplatePieceJSON: Decodable {
    struct Reference: Decodable {
        let id: String
        let type_id: Int32
    }
    let SpecialToken: Reference?
    let Sequence: Reference?
}

/// A value that is decoded only to be skipped: its presence, not its content, is what a reader looks at.
struct IgnoredJSON: Decodable {
    init(from decoder: any Decoder) throws {}
}
