/// HF's `TemplateProcessing` (and `BertProcessing`, which is the BERT template): where the special tokens go and
/// which segment (type id) each part belongs to. For BERT: `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]`, B typed 1.
public struct PostProcessor: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        case special(ids: [Int32], tokens: [String], typeID: Int32)
        /// The first (`second: false`) or second input's tokens.
        case sequence(second: Bool, typeID: Int32)
    }

    public var single: [Piece]
    public var pair: [Piece]

    public init(single: [Piece], pair: [Piece]) {
        self.single = single
        self.pair = pair
    }

    /// `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]` with B typed 1.
    public static func bert(cls: (token: String, id: Int32), sep: (token: String, id: Int32)) -> PostProcessor {
        let clsPiece = Piece.special(ids: [cls.id], tokens: [cls.token], typeID: 0)
        return PostProcessor(
            single: [clsPiece, .sequence(second: false, typeID: 0), .special(ids: [sep.id], tokens: [sep.token], typeID: 0)],
            pair: [
                clsPiece, .sequence(second: false, typeID: 0), .special(ids: [sep.id], tokens: [sep.token], typeID: 0),
                .sequence(second: true, typeID: 1), .special(ids: [sep.id], tokens: [sep.token], typeID: 1),
            ]
        )
    }

    /// HF's `RobertaProcessing`: `<s> A </s>` / `<s> A </s></s> B </s>`, every token typed 0 (RoBERTa and BART have
    /// no segment embeddings), with or without the special tokens.
    public static func roberta(cls: (token: String, id: Int32), sep: (token: String, id: Int32)) -> PostProcessor {
        let clsPiece = Piece.special(ids: [cls.id], tokens: [cls.token], typeID: 0)
        let sepPiece = Piece.special(ids: [sep.id], tokens: [sep.token], typeID: 0)
        return PostProcessor(
            single: [clsPiece, .sequence(second: false, typeID: 0), sepPiece],
            pair: [clsPiece, .sequence(second: false, typeID: 0), sepPiece, sepPiece, .sequence(second: true, typeID: 0), sepPiece]
        )
    }

    /// No special tokens, the second text typed 1: what HF does without a post-processor (or with `ByteLevel`'s,
    /// which only trims offsets).
    public static let none = PostProcessor(
        single: [.sequence(second: false, typeID: 0)],
        pair: [.sequence(second: false, typeID: 0), .sequence(second: true, typeID: 1)]
    )

    /// Tokens the template adds, which truncation reserves room for.
    public func addedTokenCount(pair: Bool) -> Int {
        (pair ? self.pair : self.single).reduce(0) { count, piece in
            if case .special(let ids, _, _) = piece { return count + ids.count }
            return count
        }
    }

    /// The single template split around its one sequence, so `encode` can write ids in place; nil for odd templates.
    var singleLayout: SingleLayout? {
        guard let sequence = self.single.firstIndex(where: { if case .sequence = $0 { true } else { false } }),
            case .sequence(false, let sequenceType) = self.single[sequence],
            !self.single[(sequence + 1)...].contains(where: { if case .sequence = $0 { true } else { false } })
        else { return nil }
        var layout = SingleLayout(sequenceType: sequenceType)
        for (index, piece) in self.single.enumerated() {
            guard case .special(let ids, _, let typeID) = piece else { continue }
            if index < sequence {
                layout.prefixIDs += ids
                layout.prefixTypes += repeatElement(typeID, count: ids.count)
            } else {
                layout.suffixIDs += ids
                layout.suffixTypes += repeatElement(typeID, count: ids.count)
            }
        }
        return layout
    }

    struct SingleLayout: Sendable {
        var prefixIDs: [Int32] = []
        var prefixTypes: [Int32] = []
        var sequenceType: Int32
        var suffixIDs: [Int32] = []
        var suffixTypes: [Int32] = []
    }

    /// Lays out the pieces; the caller has already truncated `first` and `second`. Without special tokens the
    /// sequences keep their type ids, as in HF (B is still 1).
    func apply(first: [Int32], second: [Int32]?, addSpecialTokens: Bool) -> (ids: [Int32], typeIDs: [Int32]) {
        let isPair = second != nil
        let total = first.count + (second?.count ?? 0) + (addSpecialTokens ? self.addedTokenCount(pair: isPair) : 0)
        var ids: [Int32] = []
        var typeIDs: [Int32] = []
        ids.reserveCapacity(total)
        typeIDs.reserveCapacity(total)
        for piece in isPair ? self.pair : self.single {
            switch piece {
            case .special(let pieceIDs, _, let typeID):
                guard addSpecialTokens else { continue }
                ids.append(contentsOf: pieceIDs)
                typeIDs.append(contentsOf: repeatElement(typeID, count: pieceIDs.count))
            case .sequence(let isSecond, let typeID):
                guard let part = isSecond ? second : first else { continue }
                ids.append(contentsOf: part)
                typeIDs.append(contentsOf: repeatElement(typeID, count: part.count))
            }
        }
        return (ids, typeIDs)
    }
}
