/// A batch of encodings as the model's int64 inputs: ids padded to the longest row, the attention mask, and
/// segment ids when the graph takes them (DistilBERT-style graphs have no `token_type_ids`).
struct EncodedBatch {
    let rows: Int
    let columns: Int
    let inputs: [(name: String, tensor: Int64Tensor)]

    init(_ batch: [Encoding], padID: Int64, usesTypeIDs: Bool) {
        let rows = batch.count
        let columns = batch.map(\.count).max() ?? 0
        let ids = Int64Tensor(rows: rows, columns: columns, fill: padID)
        let mask = Int64Tensor(rows: rows, columns: columns, fill: 0)
        let types = usesTypeIDs ? Int64Tensor(rows: rows, columns: columns, fill: 0) : nil
        for (row, encoding) in batch.enumerated() {
            ids.setRow(row, encoding.ids)
            types?.setRow(row, encoding.typeIDs)
            for column in 0..<encoding.count { mask[row, column] = 1 }
        }
        var inputs: [(name: String, tensor: Int64Tensor)] = [("input_ids", ids), ("attention_mask", mask)]
        if let types { inputs.append(("token_type_ids", types)) }
        self.rows = rows
        self.columns = columns
        self.inputs = inputs
    }

    /// Checks that a session takes the inputs a BERT-family graph has.
    static func checkInputs(of session: Session) throws(InferenceError) {
        guard session.inputNames.contains("input_ids"), session.inputNames.contains("attention_mask") else {
            throw InferenceError(.invalidModel, "model inputs are \(session.inputNames); expected input_ids and attention_mask")
        }
    }
}
