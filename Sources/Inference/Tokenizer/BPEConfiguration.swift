import Foundation

/// Everything a `ByteLevelBPETokenizer` is built from: a byte-level BPE tokenizer.json (GPT-2, RoBERTa, BART) and
/// the model directory's length limits.
public struct BPEConfiguration: Sendable {
    /// Byte-level spellings ("Ġhello") and their ids.
    public var vocabulary: [String: Int32]
    /// Pairs of spellings, best first.
    public var merges: [(String, String)]
    public var unknownToken: String?
    /// Consecutive unknown bytes become one unknown token.
    public var fuseUnknown: Bool
    /// Words already in the vocabulary skip the merges.
    public var ignoreMerges: Bool
    public var preTokenizer: ByteLevelPreTokenizer
    public var addedTokens: [AddedToken]
    public var postProcessor: PostProcessor
    /// Tokens per input including special tokens.
    public var maxLength: Int
    public var padID: Int
    /// sentence-transformers' `do_lower_case`, applied to the input before HF's pipeline.
    public var lowercasesInput: Bool

    public init(
        vocabulary: [String: Int32],
        merges: [(String, String)],
        unknownToken: String? = nil,
        fuseUnknown: Bool = false,
        ignoreMerges: Bool = false,
        preTokenizer: ByteLevelPreTokenizer = ByteLevelPreTokenizer(),
        addedTokens: [AddedToken],
        postProcessor: PostProcessor,
        maxLength: Int,
        padID: Int,
        lowercasesInput: Bool = false
    ) {
        self.vocabulary = vocabulary
        self.merges = merges
        self.unknownToken = unknownToken
        self.fuseUnknown = fuseUnknown
        self.ignoreMerges = ignoreMerges
        self.preTokenizer = preTokenizer
        self.addedTokens = addedTokens
        self.postProcessor = postProcessor
        self.maxLength = maxLength
        self.padID = padID
        self.lowercasesInput = lowercasesInput
    }

    /// Reads `directory`'s tokenizer.json; the maximum length is found as for WordPiece (`TokenizerConfiguration.limits`).
    public static func load(directory: URL, maxLength: Int? = nil) throws(TokenizerError) -> BPEConfiguration {
        let path = directory.appendingPathComponent("tokenizer.json")
        guard let file = try TokenizerConfiguration.readJSON(BPEJSON.File.self, path) else {
            throw TokenizerError(.fileNotFound, "\(path.path) is missing; a BPE tokenizer needs tokenizer.json")
        }
        var configuration = try Self(file, path: path.path)
        let limits = try TokenizerConfiguration.limits(directory: directory, maxLength: maxLength, fileMaxLength: file.truncation?.max_length)
        configuration.maxLength = limits.maxLength
        configuration.lowercasesInput = limits.lowercasesInput
        return configuration
    }

    /// The pipeline tokenizer.json describes; only byte-level BPE without a normalizer is accepted.
    private init(_ file: BPEJSON.File, path: String) throws(TokenizerError) {
        let model = file.model
        guard model.type == nil || model.type == "BPE" else {
            throw TokenizerError(.unsupported, "\(path): model type \(model.type ?? "") is not BPE")
        }
        guard (model.continuing_subword_prefix ?? "").isEmpty, (model.end_of_word_suffix ?? "").isEmpty else {
            throw TokenizerError(.unsupported, "\(path): BPE with a continuing-subword prefix or end-of-word suffix is not byte-level")
        }
        guard model.byte_fallback != true else {
            throw TokenizerError(.unsupported, "\(path): BPE with byte_fallback (SentencePiece style) is not supported")
        }
        guard (model.dropout ?? 0) == 0 else {
            throw TokenizerError(.unsupported, "\(path): BPE dropout makes tokenization random; skiff needs it off")
        }
        if let normalizer = file.normalizer, normalizer.type != "Sequence" || !(normalizer.normalizers ?? []).isEmpty {
            throw TokenizerError(.unsupported, "\(path): normalizer \(normalizer.type) is not supported with BPE (RoBERTa and BART have none)")
        }
        let preTokenizer = try Self.preTokenizer(file.pre_tokenizer, path: path)

        // Swift's String keys compare canonically, which HF's do not; byte-level spellings are safe, since their
        // alphabet has no combining marks, so no two of them are canonically equivalent.
        let vocabulary = model.vocab
        let ids = Set(vocabulary.values)
        guard ids.count == vocabulary.count, ids.allSatisfy({ $0 >= 0 }) else {
            throw TokenizerError(.invalidFile, "\(path): vocabulary ids are not distinct and non-negative")
        }
        let unknownToken = model.unk_token
        if let unknownToken, vocabulary[unknownToken] == nil {
            throw TokenizerError(.missingToken, "\(path): the unknown token \(unknownToken) is not in the vocabulary")
        }

        let addedTokens = file.addedTokens
        let postProcessor = try file.post_processor.map { processor throws(TokenizerError) in
            processor.type == "ByteLevel" ? PostProcessor.none : try TokenizerConfiguration.postProcessor(processor, path: path)
        }
        let padID =
            file.padding?.pad_id ?? (addedTokens.first { $0.content == "<pad>" }?.id ?? vocabulary["<pad>"]).map(Int.init) ?? 0
        self.init(
            vocabulary: vocabulary,
            merges: model.merges.pairs,
            unknownToken: unknownToken,
            fuseUnknown: model.fuse_unk ?? false,
            ignoreMerges: model.ignore_merges ?? false,
            preTokenizer: preTokenizer,
            addedTokens: addedTokens,
            postProcessor: postProcessor ?? .none,
            maxLength: 512,
            padID: padID
        )
    }

    /// `ByteLevel`, alone or as the only member of a `Sequence`.
    private static func preTokenizer(_ settings: BPEJSON.PreTokenizer?, path: String) throws(TokenizerError) -> ByteLevelPreTokenizer {
        guard let settings else {
            throw TokenizerError(.unsupported, "\(path): BPE without a pre-tokenizer is not byte-level; expected ByteLevel")
        }
        if settings.type == "Sequence", let members = settings.pretokenizers, members.count == 1 {
            return try Self.preTokenizer(members[0], path: path)
        }
        guard settings.type == "ByteLevel" else {
            throw TokenizerError(.unsupported, "\(path): pre-tokenizer \(settings.type) is not ByteLevel")
        }
        return ByteLevelPreTokenizer(addPrefixSpace: settings.add_prefix_space ?? true, useRegex: settings.use_regex ?? true)
    }
}

/// Byte-level BPE's own sections of tokenizer.json; property names are the JSON keys.
private enum BPEJSON {
    typealias File = TokenizerJSON<Model, Normalizer, PreTokenizer>

    struct Normalizer: Decodable {
        let type: String
        let normalizers: [IgnoredJSON]?
    }
    struct PreTokenizer: Decodable {
        let type: String
        let add_prefix_space: Bool?
        let use_regex: Bool?
        let pretokenizers: [PreTokenizer]?
    }
    struct Model: Decodable {
        let type: String?
        let vocab: [String: Int32]
        let merges: Merges
        let unk_token: String?
        let continuing_subword_prefix: String?
        let end_of_word_suffix: String?
        let fuse_unk: Bool?
        let byte_fallback: Bool?
        let ignore_merges: Bool?
        let dropout: Double?
    }
}

/// Merges as `tokenizers` ≥ 0.20 writes them (`[["Ġ", "t"], …]`) or as older files and merges.txt do (`["Ġ t", …]`:
/// exactly one space, `#version` lines skipped, as HF reads them).
private struct Merges: Decodable {
    let pairs: [(String, String)]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let lines = try? container.decode([String].self) {
            self.pairs = try lines.filter { !$0.hasPrefix("#version") }.map { line in
                let parts = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "merge \"\(line)\" is not two tokens")
                }
                return (String(String.UnicodeScalarView(parts[0])), String(String.UnicodeScalarView(parts[1])))
            }
        } else {
            let lists = try container.decode([[String]].self)
            self.pairs = try lists.map { pair in
                guard pair.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "merge \(pair) is not two tokens")
                }
                return (pair[0], pair[1])
            }
        }
    }
}
