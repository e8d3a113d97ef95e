import Synchronization

/// Label descriptions embedded once: the same labels come with every request, so only the text is new work.
/// Bounded; when full it starts over rather than tracking recency.
final class LabelVectorCache: Sendable {
    private let vectors = Mutex<[String: [Float]]>([:])
    private let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// Unit vectors for `texts`, embedding with `model` only those not cached yet, alongside `extra` texts that
    /// are never cached (the inputs themselves). Returns (label vectors, extra vectors), both normalised.
    func vectors(
        for texts: [String],
        alongside extra: [String],
        model: EmbeddingModel
    ) async throws -> (labels: [[Float]], extra: [[Float]]) {
        let key = model.name + "@" + model.version + "\u{0}"
        let known = self.vectors.withLock { cache in texts.map { cache[key + $0] } }
        let missing = Array(Set(texts.indices.filter { known[$0] == nil }.map { texts[$0] })).sorted()
        let embedded = try await model.embed(extra + missing, truncate: true).vectors.map(VectorMath.normalized)
        let fresh = Dictionary(uniqueKeysWithValues: zip(missing, embedded.dropFirst(extra.count)))
        if !fresh.isEmpty {
            self.vectors.withLock { cache in
                if cache.count + fresh.count > self.capacity { cache.removeAll(keepingCapacity: true) }
                for (text, vector) in fresh { cache[key + text] = vector }
            }
        }
        let labels = texts.indices.map { known[$0] ?? fresh[texts[$0]]! }
        return (labels, Array(embedded.prefix(extra.count)))
    }
}
