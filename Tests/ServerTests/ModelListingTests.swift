import Gateway
import Testing

@testable import Server

/// Anthropic's model pages: `limit`, `after_id`, `before_id`, and the cursors the SDK follows.
@Suite struct ModelListingTests {
    static let listing = ModelListing(models: ["a", "b", "c", "d", "e"].map { ModelListing.Model(id: $0, ownedBy: "x") })

    static func ids(_ page: JSONValue) -> [String] {
        page["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    }

    @Test func pagesForwardAndBackward() throws {
        let first = try Self.listing.anthropicPage(limit: "2", afterID: nil, beforeID: nil)
        #expect(Self.ids(first) == ["a", "b"] && first["has_more"]?.boolValue == true)
        #expect(first["first_id"]?.stringValue == "a" && first["last_id"]?.stringValue == "b")
        let last = try Self.listing.anthropicPage(limit: "2", afterID: "c", beforeID: nil)
        #expect(Self.ids(last) == ["d", "e"] && last["has_more"]?.boolValue == false)
        let back = try Self.listing.anthropicPage(limit: "2", afterID: nil, beforeID: "c")
        #expect(Self.ids(back) == ["a", "b"] && back["has_more"]?.boolValue == false)
        let whole = try Self.listing.anthropicPage(limit: nil, afterID: nil, beforeID: nil)
        #expect(Self.ids(whole).count == 5 && whole["has_more"]?.boolValue == false)
        let empty = try ModelListing(models: []).anthropicPage(limit: nil, afterID: nil, beforeID: nil)
        #expect(Self.ids(empty).isEmpty && empty["first_id"] == .null)
        #expect(ModelListing.anthropicObject(.init(id: "a", ownedBy: "x"))["type"]?.stringValue == "model")
    }

    @Test(arguments: [("0", nil, nil), ("1001", nil, nil), ("two", nil, nil), (nil, "zz", nil), (nil, nil, "zz")] as [(String?, String?, String?)])
    func badCursorsAre400s(limit: String?, after: String?, before: String?) {
        #expect { _ = try Self.listing.anthropicPage(limit: limit, afterID: after, beforeID: before) } throws: {
            ($0 as? GatewayError)?.status == 400
        }
    }
}
