import Foundation

/// What a model pipeline needs from a tokenizer: ids for one text or a pair, cut to the model's length, and the
/// id to pad a batch with. `WordPieceTokenizer` (BERT family) and `ByteLevelBPETokenizer` (RoBERTa, BART) conform.
public protocol Tokenizer: Sendable {
    /// Tokens per input including special tokens; encoding with `truncate` never returns more.
    var maxLength: Int { get }
    /// The id the batch builder pads rows with (`[PAD]` = 0 for BERT, `<pad>` = 1 for RoBERTa and BART).
    var padID: Int { get }
    /// The text with the model's special tokens around it, cut to `maxLength` when `truncate` is set.
    func encode(_ text: String, truncate: Bool, addSpecialTokens: Bool) -> Encoding
    /// Both texts as one input, cut longest-first to `maxLength` when `truncate` is set.
    func encodePair(_ first: String, _ second: String, truncate: Bool, addSpecialTokens: Bool) -> Encoding
    /// Whether `id` is one of the special tokens the template or the added vocabulary marks.
    func isSpecial(_ id: Int) -> Bool
}

extension Tokenizer {
    /// Encodes every text; `longest` is the length to pad the batch to.
    public func encodeBatch(_ texts: [String], truncate: Bool = true) -> BatchEncoding {
        BatchEncoding(texts.map { self.encode($0, truncate: truncate, addSpecialTokens: true) })
    }

    /// Encodes every pair as one input each; `longest` is the length to pad the batch to.
    public func encodePairBatch(_ pairs: [(String, String)], truncate: Bool = true) -> BatchEncoding {
        BatchEncoding(pairs.map { self.encodePair($0.0, $0.1, truncate: truncate, addSpecialTokens: true) })
    }
}

/// Picks the tokenizer a model directory needs, as `transformers`' `AutoTokenizer` does: tokenizer.json's
/// `model.type` decides (`BPE` with a `ByteLevel` pre-tokenizer, or `WordPiece`); a directory with only vocab.txt
/// is WordPiece.
public enum AutoTokenizer {
    public enum Kind: Sendable, Equatable {
        case wordPiece
        case byteLevelBPE
    }

    /// Loads `directory`; `maxLength` overrides the model's own limit (see `TokenizerConfiguration.load`).
    public static func load(directory: URL, maxLength: Int? = nil) throws(TokenizerError) -> any Tokenizer {
        switch try self.kind(of: directory) {
        case .wordPiece: return try WordPieceTokenizer(directory: directory, maxLength: maxLength)
        case .byteLevelBPE: return try ByteLevelBPETokenizer(directory: directory, maxLength: maxLength)
        }
    }

    /// The model type tokenizer.json names. Files written before `type` was serialized are told apart by their
    /// fields, as HF's deserializer does: BPE has `merges`.
    public static func kind(of directory: URL) throws(TokenizerError) -> Kind {
        let file = directory.appendingPathComponent("tokenizer.json")
        guard let header = try TokenizerConfiguration.readJSON(Header.self, file) else { return .wordPiece }
        switch header.model.type {
        case "WordPiece": return .wordPiece
        case "BPE": return .byteLevelBPE
        case nil: return header.model.merges == nil ? .wordPiece : .byteLevelBPE
        case let other?:
            throw TokenizerError(.unsupported, "\(file.path): model type \(other) is not WordPiece or BPE")
        }
    }

    /// Only the fields that tell the models apart; `merges` is skipped over, not decoded.
    private struct Header: Decodable {
        struct Model: Decodable {
            let type: String?
            let merges: IgnoredJSON?
        }
        let model: Model
    }
}
