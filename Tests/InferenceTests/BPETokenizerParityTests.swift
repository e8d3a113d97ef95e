import Foundation
import TestSupport
import Testing

@testable import Inference

/// The Swift byte-level BPE tokenizer must give exactly the ids, type ids and tokens Hugging Face `tokenizers`
/// gives for the same tokenizer.json: tiny-bart-nli's (a BPE trained by scripts/build_test_models.py and laid out
/// as facebook/bart-large-mnli's is), and copies of it with the settings other exports use. The corpus is the
/// WordPiece one plus byte-level cases (Tests/Peers/tokenizer_corpus.py --bpe); HF runs in tokenizer_reference.py.
@Suite("Byte-level BPE tokenizer against Hugging Face")
struct BPETokenizerParityTests {
    static var modelDirectory: URL { PackagePaths.testModels.appendingPathComponent("tiny-bart-nli/1") }

    /// A copy of tiny-bart-nli's tokenizer.json with `edit` applied, alone in a fresh directory.
    static func editedModel(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        try TokenizerParity.editedCopy(of: Self.modelDirectory, edit)
    }

    /// The settings byte-level exports differ in, applied to tiny-bart-nli's file.
    enum Variant: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// As built: RoBERTa/BART layout, merges as "a b" strings, no prefix space.
        case asBuilt
        /// Merges as ["a", "b"] pairs, as `tokenizers` ≥ 0.20 writes them.
        case pairMerges
        /// `add_prefix_space: true` (RoBERTa exports made for pre-split words, GPT-2 variants).
        case prefixSpace
        /// `use_regex: false`: each piece of text between added tokens is one word.
        case noRegex
        /// GPT-2's layout: no post-processor, so no special tokens and the second text typed 1.
        case noPostProcessor

        var testDescription: String { self.rawValue }

        func directory() throws -> URL? {
            switch self {
            case .asBuilt:
                return nil
            case .pairMerges:
                return try BPETokenizerParityTests.editedModel { json in
                    var model = json["model"] as? [String: Any] ?? [:]
                    model["merges"] = (model["merges"] as? [String] ?? []).map { $0.split(separator: " ").map(String.init) }
                    json["model"] = model
                }
            case .prefixSpace, .noRegex:
                return try BPETokenizerParityTests.editedModel { json in
                    var preTokenizer = json["pre_tokenizer"] as? [String: Any] ?? [:]
                    preTokenizer[self == .prefixSpace ? "add_prefix_space" : "use_regex"] = self == .prefixSpace
                    json["pre_tokenizer"] = preTokenizer
                }
            case .noPostProcessor:
                return try BPETokenizerParityTests.editedModel { json in json["post_processor"] = NSNull() }
            }
        }
    }

    @Test(
        "corpus singles and pairs match HF",
        arguments: [
            (Variant.asBuilt, 512, true), (.asBuilt, 40, true), (.asBuilt, 512, false), (.pairMerges, 128, true), (.prefixSpace, 128, true),
            (.prefixSpace, 40, false), (.noRegex, 128, true), (.noPostProcessor, 64, true),
        ]
    )
    func corpusMatchesHuggingFace(variant: Variant, maxLength: Int, addSpecialTokens: Bool) async throws {
        let edited = try variant.directory()
        defer { if let edited { try? FileManager.default.removeItem(at: edited) } }
        let directory = edited ?? Self.modelDirectory
        let corpus = try await TokenizerParity.corpus(["--bpe"])
        #expect(corpus.singles.count + corpus.pairs.count >= 5000)
        // 512 is the model's own limit (config.json's max_position_embeddings, under tokenizer_config.json's 1024).
        let tokenizer = try ByteLevelBPETokenizer(directory: directory, maxLength: edited == nil && maxLength == 512 ? nil : maxLength)
        #expect(tokenizer.maxLength == maxLength)
        try await TokenizerParity.expectCorpusMatches(
            tokenizer,
            directory: directory,
            corpus: corpus,
            addSpecialTokens: addSpecialTokens,
            variant: "\(variant)",
            // HF spells an added token by the text it matched (" <mask>" when lstrip took a space); ours is its content.
            sameToken: { expected, actual, id in
                expected == actual || (tokenizer.isSpecial(Int(id)) && expected.trimmingCharacters(in: .whitespacesAndNewlines) == actual)
            }
        )
    }

    /// Every code point as a letter, a digit and a symbol would see it ("aXa 1X1 .X."), split into words: the
    /// pattern's classes (`\p{L}`, `\p{N}`, `\s`) must be Oniguruma's for each one, even where BPE would hide a
    /// difference.
    @Test("every code point pre-tokenizes as HF", arguments: [false, true])
    func everyCodePointMatchesHuggingFace(addPrefixSpace: Bool) async throws {
        let edited = addPrefixSpace ? try Variant.prefixSpace.directory() : nil
        defer { if let edited { try? FileManager.default.removeItem(at: edited) } }
        let scalars = TokenizerParity.sampledScalars
        let texts = stride(from: 0, to: scalars.count, by: 256).map { start in
            scalars[start..<min(start + 256, scalars.count)].map { "a\($0)a 1\($0)1 .\($0)." }.joined(separator: " ")
        }
        var request = TokenizerParity.Request(model_dir: (edited ?? Self.modelDirectory).path, max_length: 512)
        request.normalize = texts
        let reference = try await TokenizerParity.reference(request)
        let words = try #require(reference.pre_tokenized)
        try #require(words.count == texts.count)

        let preTokenizer = ByteLevelPreTokenizer(addPrefixSpace: addPrefixSpace)
        let mismatches = try await blockingIO { () -> [String] in
            var mismatches: [String] = []
            for (index, text) in texts.enumerated() {
                let ours = preTokenizer.split(text)
                guard ours != words[index] else { continue }
                let first = zip(ours, words[index]).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(ours.count, words[index].count)
                let window = max(0, first - 2)..<(first + 3)
                func clip(_ items: [String]) -> [String] { Array(items[min(window.lowerBound, items.count)..<min(window.upperBound, items.count)]) }
                mismatches.append("text #\(index) word \(first): expected \(clip(words[index])) actual \(clip(ours))")
            }
            return mismatches
        }
        TokenizerParity.expectNone(mismatches, of: texts.count, "chunks differ")
    }

    /// Added-token options tiny-bart-nli does not use (raw matching, rstrip, single_word, normalized multi-word
    /// tokens, non-special tokens, ids past the vocabulary) on a copy of its tokenizer.json, against HF.
    @Test("added-token options match HF")
    func addedTokenOptionsMatchHuggingFace() async throws {
        var next = 0
        let directory = try Self.editedModel { json in
            var tokens = json["added_tokens"] as? [[String: Any]] ?? []
            for index in tokens.indices {
                if tokens[index]["content"] as? String == "</s>" { tokens[index]["rstrip"] = true }
                if tokens[index]["content"] as? String == "<s>" { tokens[index]["normalized"] = false }
            }
            next = (tokens.compactMap { $0["id"] as? Int }.max() ?? 0) + 1
            func token(_ offset: Int, _ content: String, normalized: Bool, singleWord: Bool, special: Bool = false) -> [String: Any] {
                [
                    "id": next + offset, "content": content, "single_word": singleWord, "lstrip": false, "rstrip": false,
                    "normalized": normalized, "special": special,
                ]
            }
            tokens.append(token(0, "<ent>", normalized: false, singleWord: true))
            tokens.append(token(1, "Hello World", normalized: true, singleWord: false))
            tokens.append(token(2, "<s", normalized: true, singleWord: false, special: true))
            json["added_tokens"] = tokens
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let texts = [
            "a <mask> b", "a   <mask>b", "<mask>", "a\t<mask>", " <mask> ", "</s>   next", "x </s>\n<mask> y", "x<ent>y", "x <ent> y", "<ent>",
            "<ent><ent>", "é<ent>", "_<ent>", "1<ent>", "<ent>.", "(<ent>)", "say Hello World now", "hello world", "Hello  World", "<s>x",
            "<sx", "<s <s>", "[CLS] <s> hi </s>", "",
        ]
        let tokenizer = try ByteLevelBPETokenizer(directory: directory)
        try await TokenizerParity.expectAddedTokensMatch(tokenizer, directory: directory, texts: texts, pair: (texts[0], texts[7]))
    }
}

/// Focused behaviour of the byte-level BPE tokenizer and of choosing a tokenizer by tokenizer.json.
@Suite("Byte-level BPE tokenizer")
struct ByteLevelBPETokenizerTests {
    static func tokenizer(maxLength: Int? = nil) throws -> ByteLevelBPETokenizer {
        try ByteLevelBPETokenizer(directory: BPETokenizerParityTests.modelDirectory, maxLength: maxLength)
    }

    @Test func bytesAreSpelledAsGPT2Does() {
        let characters = ByteLevelPreTokenizer.byteCharacters
        #expect(Set(characters).count == 256)
        #expect(characters[0x20] == "Ġ" && characters[0x0A] == "Ċ" && characters[0x41] == "A" && characters[0xAD] == "Ń")
        #expect(ByteLevelPreTokenizer.spell("é".utf8) == "Ã©")
    }

    @Test func thePatternSplitsAsGPT2Does() {
        let split = ByteLevelPreTokenizer().split
        #expect(split("Hello  world's 42nd!!") == ["Hello", "Ġ", "Ġworld", "'s", "Ġ42", "nd", "!!"])
        #expect(split("it'S don't  ") == ["it", "'", "S", "Ġdon", "'t", "ĠĠ"])
        #expect(split("a \tb") == ["a", "Ġ", "ĉ", "b"])
        #expect(ByteLevelPreTokenizer(addPrefixSpace: true).split("hi there") == ["Ġhi", "Ġthere"])
        #expect(ByteLevelPreTokenizer(useRegex: false).split("hi there") == ["hiĠthere"])
    }

    @Test func robertaTemplateAndPadding() throws {
        let tokenizer = try Self.tokenizer()
        #expect(tokenizer.padID == 1 && tokenizer.maxLength == 512)
        let single = tokenizer.encode("The fire is out.")
        #expect(single.ids.first == 0 && single.ids.last == 2 && single.typeIDs.allSatisfy { $0 == 0 })
        #expect(single.tokens.first == "<s>" && single.tokens.last == "</s>")
        let pair = tokenizer.encodePair("A man is eating food.", "Nobody is eating.")
        let first = tokenizer.encode("A man is eating food.", addSpecialTokens: false).ids
        let second = tokenizer.encode("Nobody is eating.", addSpecialTokens: false).ids
        #expect(pair.ids == [0] + first + [2, 2] + second + [2])
        #expect(pair.typeIDs == [Int32](repeating: 0, count: pair.count))
        #expect(tokenizer.isSpecial(0) && tokenizer.isSpecial(1) && tokenizer.isSpecial(2) && !tokenizer.isSpecial(Int(first[0])))
    }

    @Test func theMaskTakesTheSpaceBeforeIt() throws {
        let tokenizer = try Self.tokenizer()
        let mask = try #require(tokenizer.id(of: "<mask>"))
        #expect(tokenizer.isSpecial(mask) && mask == tokenizer.vocabularySize - 1)
        let spaced = tokenizer.encode("Paris is <mask>.", addSpecialTokens: false).ids
        #expect(spaced == tokenizer.encode("Paris is<mask>.", addSpecialTokens: false).ids)
        let space = Int32(try #require(tokenizer.id(of: "Ġ")))
        #expect(spaced.contains(Int32(mask)) && !spaced.contains(space))
    }

    @Test func truncationKeepsTheSeparators() throws {
        let tokenizer = try Self.tokenizer(maxLength: 16)
        let long = String(repeating: "the quick brown fox ", count: 50)
        let single = tokenizer.encode(long)
        #expect(single.count == 16 && single.ids.first == 0 && single.ids.last == 2)
        #expect(tokenizer.encode(long, truncate: false).count > 100)
        let pair = tokenizer.encodePair(long, "short one")
        #expect(pair.count == 16 && pair.ids.last == 2 && pair.ids.filter { $0 == 2 }.count == 3)
        let short = Array(tokenizer.encode("short one", addSpecialTokens: false).tokens)
        #expect(Array(pair.tokens.suffix(short.count + 2)) == ["</s>"] + short + ["</s>"])
        #expect(throws: TokenizerError.self) { try Self.tokenizer(maxLength: 4) }
    }

    @Test func theModelTypeChoosesTheTokenizer() throws {
        #expect(try AutoTokenizer.kind(of: BPETokenizerParityTests.modelDirectory) == .byteLevelBPE)
        #expect(try AutoTokenizer.load(directory: BPETokenizerParityTests.modelDirectory) is ByteLevelBPETokenizer)
        let nli = PackagePaths.testModels.appendingPathComponent("tiny-nli/1")
        #expect(try AutoTokenizer.kind(of: nli) == .wordPiece)
        #expect(try AutoTokenizer.load(directory: nli) is WordPieceTokenizer)
        // Files written before tokenizers serialized `type` are told apart by their fields.
        let untyped = try BPETokenizerParityTests.editedModel { json in
            var model = json["model"] as? [String: Any] ?? [:]
            model["type"] = nil
            json["model"] = model
        }
        defer { try? FileManager.default.removeItem(at: untyped) }
        #expect(try AutoTokenizer.kind(of: untyped) == .byteLevelBPE)
        #expect(
            try AutoTokenizer.load(directory: untyped).encode("hello", truncate: true, addSpecialTokens: true) == Self.tokenizer().encode("hello")
        )
    }

    @Test(arguments: [
        ("normalizer", "NFKC", TokenizerError.Code.unsupported),
        ("pre_tokenizer", "Metaspace", .unsupported),
        ("post_processor", "Unknown", .unsupported),
        ("merges", "Ġ zzz", .missingToken),
    ])
    func pipelinesItCannotRunAreRefused(field: String, value: String, code: TokenizerError.Code) throws {
        let directory = try BPETokenizerParityTests.editedModel { json in
            if field == "merges" {
                var model = json["model"] as? [String: Any] ?? [:]
                model["merges"] = (model["merges"] as? [String] ?? []) + [value]
                json["model"] = model
            } else {
                json[field] = ["type": value]
            }
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try ByteLevelBPETokenizer(directory: directory)
            Issue.record("\(field) \(value) was accepted")
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }
}
