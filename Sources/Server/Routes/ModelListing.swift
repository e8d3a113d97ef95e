import Foundation
import Gateway

/// `/v1/models` in the shape the caller's SDK reads: OpenAI's list, or, for a caller that sends
/// `anthropic-version` (the anthropic SDK always does), Anthropic's paged model infos.
struct ModelListing {
    typealias Model = ModelCatalog.Entry

    let models: [Model]

    func openAIList() -> JSONValue {
        ["object": "list", "data": .array(self.models.map(Self.openAIObject))]
    }

    static func openAIObject(_ model: Model) -> JSONValue {
        ["id": .string(model.id), "object": "model", "created": .int(model.created ?? 0), "owned_by": .string(model.ownedBy)]
    }

    /// Anthropic's `ModelInfo`, with the provider's release date and display name; where it gave none (aliases, local
    /// models, OpenAI's names), the epoch and the id stand in.
    static func anthropicObject(_ model: Model) -> JSONValue {
        let created = Date(timeIntervalSince1970: TimeInterval(model.created ?? 0))
        return [
            "type": "model", "id": .string(model.id), "display_name": .string(model.displayName ?? model.id),
            "created_at": .string(created.formatted(.iso8601)),
        ]
    }

    /// One page as Anthropic's `GET /v1/models` gives it: `limit` (1...1000, default 20) after `after_id` or
    /// before `before_id`, with `has_more`, `first_id` and `last_id` for the SDK's auto-paging.
    func anthropicPage(limit: String?, afterID: String?, beforeID: String?) throws(GatewayError) -> JSONValue {
        var count = 20
        if let limit {
            guard let value = Int(limit), (1...1000).contains(value) else {
                throw Self.invalid("limit: \"\(limit)\" is not a whole number from 1 to 1000")
            }
            count = value
        }
        var range = self.models.indices
        if let afterID {
            guard let index = self.models.firstIndex(where: { $0.id == afterID }) else { throw Self.invalid("after_id: no model \"\(afterID)\"") }
            range = (index + 1)..<min(self.models.count, index + 1 + count)
        } else if let beforeID {
            guard let index = self.models.firstIndex(where: { $0.id == beforeID }) else { throw Self.invalid("before_id: no model \"\(beforeID)\"") }
            range = max(0, index - count)..<index
        } else {
            range = 0..<min(self.models.count, count)
        }
        let page = self.models[range]
        let hasMore = beforeID != nil ? range.lowerBound > 0 : range.upperBound < self.models.count
        return [
            "data": .array(page.map(Self.anthropicObject)),
            "has_more": .bool(hasMore),
            "first_id": page.first.map { .string($0.id) } ?? .null,
            "last_id": page.last.map { .string($0.id) } ?? .null,
        ]
    }

    static func invalid(_ message: String) -> GatewayError {
        GatewayError(.invalidRequest, status: 400, type: "invalid_request_error", message: message)
    }
}
