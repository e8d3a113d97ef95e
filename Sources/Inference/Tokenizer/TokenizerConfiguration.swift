import Foundation

/// Everything a `WordPieceTokenizer` is built from, read from a model directory: `tokenizer.json` when present
/// (the exact pipeline HF runs), else `vocab.txt` with `tokenizer_config.json` (what HF would convert them to).
public struct TokenizerConfiguration: Sendable {
    public var vocabulary: [(token: String, id: Int)]
    public var unknownToken: String
    public var continuingSubwordPrefix: String
    public var maxInputCharsPerWord: Int
    public var normalizer: BertNormalizer
    /// Whether the BERT pre-tokenizer splits the text into words; without one the whole text is a single word.
    public var splitsWords: Bool
    public var addedTokens: [AddedToken]
    public var postProcessor: PostProcessor
    /// Tokens per input including special tokens.
    public var maxLength: Int
    public var padID: Int
    /// sentence-transformers' `do_lower_case`, applied to the input before HF's pipeline.
    public var lowercasesInput: Bool

    public init(
        vocabulary: [(token: String, id: Int)],
        unknownToken: String = "[UNK]",
        continuingSubwordPrefix: String = "##",
        maxInputCharsPerWord: Int = 100,
        normalizer: BertNormalizer = BertNormalizer(),
        splitsWords: Bool = true,
        addedTokens: [AddedToken],
        postProcessor: PostProcessor,
        maxLength: Int,
        padID: Int = 0,
        lowercasesInput: Bool = false
    ) {
        self.vocabulary = vocabulary
        self.unknownToken = unknownToken
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.normalizer = normalizer
        self.splitsWords = splitsWords
        self.addedTokens = addedTokens
        self.postProcessor = postProcessor
        self.maxLength = maxLength
        self.padID = padID
        self.lowercasesInput = lowercasesInput
    }

    /// Reads `directory`. The maximum length is, first to last: `maxLength`, `max_seq_length` from
    /// sentence_bert_config.json, the smaller of config.json's `max_position_embeddings` and tokenizer_config.json's
    /// `model_max_length`, tokenizer.json's truncation, 512 — the order sentence-transformers uses (see `limits`).
    public static func load(directory: URL, maxLength: Int? = nil) throws(TokenizerError) -> TokenizerConfiguration {
        let tokenizerFile = directory.appendingPathComponent("tokenizer.json")
        let vocabFile = directory.appendingPathComponent("vocab.txt")
        let tokenizerConfig = try readJSON(TokenizerConfigJSON.self, directory.appendingPathComponent("tokenizer_config.json"))
        var configuration: TokenizerConfiguration
        var fileMaxLength: Int?
        if FileManager.default.fileExists(atPath: tokenizerFile.path) {
            let file = try readJSON(WordPieceJSON.File.self, tokenizerFile).orThrow(.fileNotFound, "\(tokenizerFile.path) is missing")
            configuration = try Self(file, path: tokenizerFile.path, vocabFallback: vocabFile)
            fileMaxLength = file.truncation?.max_length
        } else if FileManager.default.fileExists(atPath: vocabFile.path) {
            configuration = try Self(vocabFile: vocabFile, config: tokenizerConfig ?? TokenizerConfigJSON())
        } else {
            throw TokenizerError(.fileNotFound, "\(directory.path) has neither tokenizer.json nor vocab.txt")
        }

        let limits = try Self.limits(directory: directory, maxLength: maxLength, fileMaxLength: fileMaxLength)
        configuration.maxLength = limits.maxLength
        configuration.lowercasesInput = limits.lowercasesInput
        return configuration
    }

    /// The maximum length, first to last: `maxLength`, `max_seq_length` from sentence_bert_config.json, the smaller
    /// of config.json's `max_position_embeddings` and tokenizer_config.json's `model_max_length`, `fileMaxLength`
    /// (tokenizer.json's truncation), 512; and sentence-transformers' `do_lower_case`. Shared by every tokenizer.
    static func limits(directory: URL, maxLength: Int?, fileMaxLength: Int?) throws(TokenizerError) -> (maxLength: Int, lowercasesInput: Bool) {
        let tokenizerConfig = try readJSON(TokenizerConfigJSON.self, directory.appendingPathComponent("tokenizer_config.json"))
        let sentenceConfig = try readJSON(SentenceBertConfigJSON.self, directory.appendingPathComponent("sentence_bert_config.json"))
        let modelConfig = try readJSON(ModelConfigJSON.self, directory.appendingPathComponent("config.json"))
        // model_max_length is a huge sentinel (1e30) when a checkpoint sets none.
        let tokenizerLimit = tokenizerConfig?.model_max_length.flatMap { $0 > 0 && $0 < 1_000_000 ? Int($0) : nil }
        let modelLimits = [modelConfig?.max_position_embeddings, tokenizerLimit].compactMap { $0 }
        let resolved = maxLength ?? sentenceConfig?.max_seq_length ?? modelLimits.min() ?? fileMaxLength ?? 512
        return (resolved, sentenceConfig?.do_lower_case ?? false)
    }

    /// The pipeline tokenizer.json describes; only BERT-style WordPiece pipelines are accepted.
    private init(_ file: WordPieceJSON.File, path: String, vocabFallback: URL) throws(TokenizerError) {
        let model = file.model
        guard model.type == nil || model.type == "WordPiece" else {
            throw TokenizerError(.unsupported, "\(path): model type \(model.type ?? "") is not WordPiece")
        }
        var vocabulary = model.vocab.map { (token: $0.key, id: $0.value) }
        // Swift dictionaries merge canonically equivalent keys ("é" and "e\u{301}") that HF keeps apart; ids that are
        // not exactly 0..<count show it happened, and vocab.txt, read line by line, has every token.
        let ids = Set(vocabulary.map(\.id))
        if ids.count != vocabulary.count || (ids.max() ?? -1) != vocabulary.count - 1 {
            guard FileManager.default.fileExists(atPath: vocabFallback.path) else {
                throw TokenizerError(.unsupported, "\(path): vocabulary ids are not 0..<\(vocabulary.count) once read, and there is no vocab.txt")
            }
            vocabulary = try Self.readVocabText(vocabFallback)
        }

        var normalizer = BertNormalizer(cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false)
        if let settings = file.normalizer {
            guard settings.type == "BertNormalizer" else {
                throw TokenizerError(.unsupported, "\(path): normalizer \(settings.type) is not BertNormalizer")
            }
            normalizer = BertNormalizer(
                cleanText: settings.clean_text ?? true,
                handleChineseChars: settings.handle_chinese_chars ?? true,
                stripAccents: settings.strip_accents,
                lowercase: settings.lowercase ?? true
            )
        }
        if let preTokenizer = file.pre_tokenizer, preTokenizer.type != "BertPreTokenizer" {
            throw TokenizerError(.unsupported, "\(path): pre-tokenizer \(preTokenizer.type) is not BertPreTokenizer")
        }

        let addedTokens = file.addedTokens
        let processor = try Self.postProcessor(file.post_processor, path: path)
        let padID = file.padding?.pad_id ?? vocabulary.first { $0.token == "[PAD]" }?.id ?? 0
        self.init(
            vocabulary: vocabulary,
            unknownToken: model.unk_token ?? "[UNK]",
            continuingSubwordPrefix: model.continuing_subword_prefix ?? "##",
            maxInputCharsPerWord: model.max_input_chars_per_word ?? 100,
            normalizer: normalizer,
            splitsWords: file.pre_tokenizer != nil,
            addedTokens: addedTokens,
            postProcessor: processor,
            maxLength: 512,
            padID: padID
        )
    }

    /// What HF's BERT converter builds from vocab.txt: BertNormalizer, BertPreTokenizer, WordPiece, the BERT template,
    /// and the special tokens matched in raw text.
    private init(vocabFile: URL, config: TokenizerConfigJSON) throws(TokenizerError) {
        let vocabulary = try Self.readVocabText(vocabFile)
        let idOf = Dictionary(vocabulary.map { (Array($0.token.utf8), $0.id) }, uniquingKeysWith: { _, last in last })
        func id(_ token: String) throws(TokenizerError) -> Int32 {
            guard let id = idOf[Array(token.utf8)] else {
                throw TokenizerError(.missingToken, "\(vocabFile.path) has no \(token)")
            }
            return Int32(clamping: id)
        }
        let unknown = config.unk_token?.content ?? "[UNK]"
        let cls = config.cls_token?.content ?? "[CLS]"
        let sep = config.sep_token?.content ?? "[SEP]"
        let pad = config.pad_token?.content ?? "[PAD]"
        let mask = config.mask_token?.content ?? "[MASK]"
        var addedTokens: [AddedToken] = []
        for token in [pad, unknown, cls, sep, mask] where idOf[Array(token.utf8)] != nil {
            addedTokens.append(AddedToken(content: token, id: try id(token)))
        }
        let lowercase = config.do_lower_case ?? true
        self.init(
            vocabulary: vocabulary,
            unknownToken: unknown,
            normalizer: BertNormalizer(
                cleanText: true,
                handleChineseChars: config.tokenize_chinese_chars ?? true,
                stripAccents: config.strip_accents,
                lowercase: lowercase
            ),
            addedTokens: addedTokens,
            postProcessor: .bert(cls: (cls, try id(cls)), sep: (sep, try id(sep))),
            maxLength: 512,
            padID: idOf[Array(pad.utf8)] ?? 0
        )
    }

    /// One token per line, the line number as its id; trailing whitespace trimmed, as HF's `WordPiece::read_file` does.
    static func readVocabText(_ file: URL) throws(TokenizerError) -> [(token: String, id: Int)] {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw TokenizerError(.invalidFile, "\(file.path): \(error)")
        }
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.enumerated().map { index, line in
            var scalars = String(decoding: line, as: UTF8.self).unicodeScalars[...]
            while let last = scalars.last, BertCharacters.isWhitespace(last) { scalars.removeLast() }
            return (token: String(String.UnicodeScalarView(scalars)), id: index)
        }
    }

    static func postProcessor(_ processor: PostProcessorJSON?, path: String) throws(TokenizerError) -> PostProcessor {
        guard let processor else {
            throw TokenizerError(.unsupported, "\(path) has no post_processor; expected BERT's [CLS]/[SEP] template")
        }
        switch processor.type {
        case "BertProcessing":
            guard let cls = processor.cls, let sep = processor.sep else {
                throw TokenizerError(.invalidFile, "\(path): BertProcessing needs cls and sep")
            }
            return .bert(cls: (cls.token, Int32(clamping: cls.id)), sep: (sep.token, Int32(clamping: sep.id)))
        case "RobertaProcessing":
            guard let cls = processor.cls, let sep = processor.sep else {
                throw TokenizerError(.invalidFile, "\(path): RobertaProcessing needs cls and sep")
            }
            return .roberta(cls: (cls.token, Int32(clamping: cls.id)), sep: (sep.token, Int32(clamping: sep.id)))
        case "TemplateProcessing":
            let specials = processor.special_tokens ?? [:]
            func pieces(_ template: [TemplatePieceJSON]?, _ name: String) throws(TokenizerError) -> [PostProcessor.Piece] {
                guard let template else { throw TokenizerError(.invalidFile, "\(path): TemplateProcessing has no \(name) template") }
                var pieces: [PostProcessor.Piece] = []
                for piece in template {
                    if let special = piece.SpecialToken {
                        guard let entry = specials[special.id], entry.ids.count == entry.tokens.count else {
                            throw TokenizerError(.invalidFile, "\(path): template token \(special.id) is not in special_tokens")
                        }
                        pieces.append(.special(ids: entry.ids.map { Int32(clamping: $0) }, tokens: entry.tokens, typeID: special.type_id))
                    } else if let sequence = piece.Sequence {
                        pieces.append(.sequence(second: sequence.id == "B", typeID: sequence.type_id))
                    } else {
                        throw TokenizerError(.invalidFile, "\(path): template piece is neither SpecialToken nor Sequence")
                    }
                }
                return pieces
            }
            return PostProcessor(single: try pieces(processor.single, "single"), pair: try pieces(processor.pair, "pair"))
        default:
            throw TokenizerError(
                .unsupported,
                "\(path): post-processor \(processor.type) is not TemplateProcessing, BertProcessing or RobertaProcessing"
            )
        }
    }

    /// Decodes `file`, or nil when it does not exist.
    static func readJSON<T: Decodable>(_ type: T.Type, _ file: URL) throws(TokenizerError) -> T? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(contentsOf: file))
        } catch {
            throw TokenizerError(.invalidFile, "\(file.path): \(error)")
        }
    }
}

extension Optional {
    fileprivate func orThrow(_ code: TokenizerError.Code, _ message: String) throws(TokenizerError) -> Wrapped {
        guard let value = self else { throw TokenizerError(code, message) }
        return value
    }
}

// The files' own shapes; property names are the JSON keys.

/// WordPiece's own sections of tokenizer.json.
private enum WordPieceJSON {
    typealias File = TokenizerJSON<Model, Normalizer, PreTokenizer>

    struct Normalizer: Decodable {
        let type: String
        let clean_text: Bool?
        let handle_chinese_chars: Bool?
        let strip_accents: Bool?
        let lowercase: Bool?
    }
    struct PreTokenizer: Decodable {
        let type: String
    }
    struct Model: Decodable {
        let type: String?
        let vocab: [String: Int]
        let unk_token: String?
        let continuing_subword_prefix: String?
        let max_input_chars_per_word: Int?
    }
}

private struct TokenizerConfigJSON: Decodable {
    /// A token written as "[UNK]" or as an AddedToken object with a `content` field.
    struct Spelling: Decodable {
        let content: String
        private enum Keys: String, CodingKey { case content }
        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                self.content = text
            } else {
                self.content = try decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .content)
            }
        }
    }
    var do_lower_case: Bool?
    var tokenize_chinese_chars: Bool?
    var strip_accents: Bool?
    var unk_token: Spelling?
    var cls_token: Spelling?
    var sep_token: Spelling?
    var pad_token: Spelling?
    var mask_token: Spelling?
    var model_max_length: Double?
}

private struct SentenceBertConfigJSON: Decodable {
    let max_seq_length: Int?
    let do_lower_case: Bool?
}

private struct ModelConfigJSON: Decodable {
    let max_position_embeddings: Int?
}
