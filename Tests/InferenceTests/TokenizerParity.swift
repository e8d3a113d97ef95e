import Foundation
import TestSupport
import Testing

@testable import Inference

/// What every tokenizer's parity suite shares: the generated corpus (Tests/Peers/tokenizer_corpus.py), Hugging Face
/// `tokenizers` run on the same files as the reference (Tests/Peers/tokenizer_reference.py), and the comparisons and
/// failure messages, so WordPiece and byte-level BPE are held to HF in the same way.
enum TokenizerParity {
    struct Corpus: Decodable {
        let singles: [String]
        let pairs: [[String]]
    }

    struct Request: Encodable {
        let model_dir: String
        let max_length: Int
        var singles: [String] = []
        var pairs: [[String]] = []
        var add_special_tokens = true
        var normalize: [String]? = nil
    }

    struct Reference: Decodable {
        struct Item: Decodable {
            let ids: [Int32]
            let type_ids: [Int32]
            let tokens: [String]
        }
        let singles: [Item]
        let pairs: [Item]
        let normalized: [String]?
        let pre_tokenized: [[String]]?
    }

    /// The generated corpus; `arguments` pick its flavour (`--bpe` adds byte-level cases).
    static func corpus(_ arguments: [String] = []) async throws -> Corpus {
        let run = try await SkiffProcess.runExecutable(
            PackagePaths.python,
            [PackagePaths.peer("tokenizer_corpus.py")] + arguments,
            environment: ["PATH": "/usr/bin:/bin"]
        )
        try #require(run.status == 0, "corpus generator failed: \(run.stderr)")
        return try JSONDecoder().decode(Corpus.self, from: Data(run.stdout.utf8))
    }

    /// Tokenizes `request` with Hugging Face `tokenizers`.
    static func reference(_ request: Request) async throws -> Reference {
        let output = try await PythonFilter.run("tokenizer_reference.py", input: try JSONEncoder().encode(request), timeout: 300)
        return try JSONDecoder().decode(Reference.self, from: output)
    }

    /// A copy of `directory`'s tokenizer.json with `edit` applied, alone in a fresh directory, for settings the
    /// model lacks.
    static func editedCopy(of directory: URL, _ edit: (inout [String: Any]) -> Void) throws -> URL {
        let source = directory.appendingPathComponent("tokenizer.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
        edit(&json)
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: json).write(to: copy.appendingPathComponent("tokenizer.json"))
        return copy
    }

    /// Every code point of planes 0–3 and 14, and a sample of the rest: planes 4–13 are unassigned and 15–16
    /// private use.
    static let sampledScalars: [Unicode.Scalar] =
        (Array(0..<0x40000) + Array(0xE0000..<0xF0000) + Array(stride(from: 0x40000, to: 0x110000, by: 997)))
        .compactMap { Unicode.Scalar(UInt32($0)) }

    /// Encodes every single and pair of `corpus` with `tokenizer` and with HF on `directory`, at the tokenizer's
    /// `maxLength`, and expects the same ids, type ids and tokens. `sameToken` compares HF's spelling of token `id`
    /// with ours; `variant` names the edited file in a failure message.
    static func expectCorpusMatches(
        _ tokenizer: some Tokenizer,
        directory: URL,
        corpus: Corpus,
        addSpecialTokens: Bool,
        variant: String? = nil,
        sameToken: @escaping @Sendable (_ expected: String, _ actual: String, _ id: Int32) -> Bool = { expected, actual, _ in expected == actual },
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let maxLength = tokenizer.maxLength
        try #require(corpus.pairs.allSatisfy { $0.count == 2 }, sourceLocation: sourceLocation)
        var request = Request(model_dir: directory.path, max_length: maxLength, singles: corpus.singles, pairs: corpus.pairs)
        request.add_special_tokens = addSpecialTokens
        let reference = try await Self.reference(request)
        try #require(reference.singles.count == corpus.singles.count && reference.pairs.count == corpus.pairs.count, sourceLocation: sourceLocation)

        // Thousands of encodings in a debug build: compared on a Dispatch thread so the other tests' tasks keep running.
        let mismatches = try await blockingIO { () -> [String] in
            func same(_ expected: Reference.Item, _ actual: Encoding) -> Bool {
                guard actual.ids == expected.ids, actual.typeIDs == expected.type_ids, actual.count == expected.tokens.count else { return false }
                return zip(zip(expected.tokens, actual.tokens), actual.ids).allSatisfy { tokens, id in sameToken(tokens.0, tokens.1, id) }
            }
            var mismatches: [String] = []
            for (index, (text, expected)) in zip(corpus.singles, reference.singles).enumerated() {
                let actual = tokenizer.encode(text, truncate: true, addSpecialTokens: addSpecialTokens)
                if !same(expected, actual) {
                    mismatches.append(Self.describe("single #\(index) \(Self.visible(text))", expected, actual))
                }
            }
            for (index, (pair, expected)) in zip(corpus.pairs, reference.pairs).enumerated() {
                let actual = tokenizer.encodePair(pair[0], pair[1], truncate: true, addSpecialTokens: addSpecialTokens)
                if !same(expected, actual) {
                    let input = "pair #\(index) \(Self.visible(pair[0], limit: 80)) + \(Self.visible(pair[1], limit: 80))"
                    mismatches.append(Self.describe(input, expected, actual))
                }
            }
            return mismatches
        }
        let total = corpus.singles.count + corpus.pairs.count
        let setting = (variant.map { "\($0), " } ?? "") + "max_length \(maxLength), special tokens \(addSpecialTokens)"
        Self.expectNone(mismatches, of: total, "encodings differ from HF (\(setting))", sourceLocation: sourceLocation)
    }

    /// HF's ids for each of `texts` and for `pair` on `directory`, against `tokenizer`'s. Ids only: for a match HF's
    /// token string is the matched span (" [MASK]" with lstrip, "hello world" when normalized), where ours is the
    /// token's content.
    static func expectAddedTokensMatch(
        _ tokenizer: some Tokenizer,
        directory: URL,
        texts: [String],
        pair: (String, String),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let reference = try await Self.reference(
            Request(model_dir: directory.path, max_length: 128, singles: texts, pairs: [[pair.0, pair.1]])
        )
        for (text, expected) in zip(texts, reference.singles) {
            let actual = tokenizer.encode(text, truncate: true, addSpecialTokens: true)
            #expect(
                actual.ids == expected.ids,
                "\(Self.visible(text)): expected \(expected.tokens), actual \(Array(actual.tokens))",
                sourceLocation: sourceLocation
            )
        }
        let actual = tokenizer.encodePair(pair.0, pair.1, truncate: true, addSpecialTokens: true)
        #expect(actual.ids == reference.pairs[0].ids && actual.typeIDs == reference.pairs[0].type_ids, sourceLocation: sourceLocation)
    }

    /// Expects no mismatches, showing how many of `total` inputs differ (`what`) and the first few.
    static func expectNone(_ mismatches: [String], of total: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            mismatches.isEmpty,
            "\(mismatches.count) of \(total) \(what); first ones:\n\(mismatches.prefix(8).joined(separator: "\n"))",
            sourceLocation: sourceLocation
        )
    }

    /// Printable ASCII as is, everything else as \u{…}, so invisible differences show in a failure message.
    static func visible(_ text: String, limit: Int = 160) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\\" {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return "\"" + out + (text.unicodeScalars.count > limit ? "\"…" : "\"")
    }

    /// The text and both encodings around their first difference (whole encodings can be 256 tokens long).
    static func describe(_ input: String, _ expected: Reference.Item, _ actual: Encoding) -> String {
        let actualTokens = Array(actual.tokens)
        let first = zip(expected.ids, actual.ids).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expected.ids.count, actual.count)
        let window = max(0, first - 3)..<(first + 5)
        func clip<T>(_ items: [T]) -> [T] { Array(items[min(window.lowerBound, items.count)..<min(window.upperBound, items.count)]) }
        return """
            \(input)
              first difference at token \(first) (lengths: expected \(expected.ids.count), actual \(actual.count)); tokens \(window):
              expected \(clip(expected.ids)) \(clip(expected.tokens)) types \(clip(expected.type_ids))
              actual   \(clip(actual.ids)) \(clip(actualTokens)) types \(clip(actual.typeIDs))
            """
    }
}
