import Foundation
import Gateway
import Hummingbird
import NIOCore

/// Reads a JSON request body within `MAX_REQUEST_BYTES` and decodes it, turning every failure into a
/// 4xx that says which field is wrong, in the error vocabulary of the API being served.
struct JSONRequest {
    enum Dialect {
        /// text-embeddings-inference and skiff's own routes: 422 `validation_error`.
        case native
        /// OpenAI-compatible routes: 400 `invalid_request_error`.
        case openAI

        var validationStatus: HTTPResponse.Status { self == .native ? .unprocessableContent : .badRequest }
        var validationType: String { self == .native ? "validation_error" : "invalid_request_error" }
    }

    static func decode<T: Decodable>(
        _ type: T.Type,
        from request: Request,
        context: some RequestContext,
        limit: Int,
        dialect: Dialect
    ) async throws -> T {
        try self.decode(type, from: try await self.body(of: request, limit: limit), dialect: dialect)
    }

    /// Why a body could not be had: too large is the client's to fix (413), unreadable is a connection that ended or
    /// stalled mid-body (400), which no smaller body would help.
    enum BodyFailure: Error {
        case tooLarge
        case unreadable
    }

    /// The whole body within `limit` bytes.
    static func collect(_ request: Request, limit: Int) async throws(BodyFailure) -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw .tooLarge
        } catch {
            throw .unreadable
        }
    }

    /// The whole body, or a 413 past `limit`.
    static func body(of request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await self.collect(request, limit: limit)
        } catch {
            switch error {
            case .tooLarge:
                throw APIError(.contentTooLarge, type: "request_too_large", message: "request body exceeds \(limit) bytes (MAX_REQUEST_BYTES)")
            case .unreadable:
                throw APIError(.badRequest, type: "invalid_request", message: "the request body could not be read to its end")
            }
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer, dialect: Dialect) throws -> T {
        guard buffer.readableBytes > 0 else {
            throw APIError(
                .badRequest,
                type: dialect == .native ? "invalid_json" : "invalid_request_error",
                message: "request body is empty; send a JSON object"
            )
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Self.apiError(error, dialect: dialect)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(
                .badRequest,
                type: dialect == .native ? "invalid_json" : "invalid_request_error",
                message: "request body is not valid JSON"
            )
        }
    }

    static func apiError(_ error: DecodingError, dialect: Dialect) -> APIError {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.hasPrefix(".") ? String(keys.dropFirst()) : keys
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = (path(context).isEmpty ? "" : path(context) + ".") + key.stringValue
            return APIError(dialect.validationStatus, type: dialect.validationType, message: "missing field `\(field)`")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let detail = context.debugDescription.isEmpty ? "" : ": \(context.debugDescription)"
            return APIError(dialect.validationStatus, type: dialect.validationType, message: "field `\(path(context))` has the wrong type\(detail)")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return APIError(
                    .badRequest,
                    type: dialect == .native ? "invalid_json" : "invalid_request_error",
                    message: "request body is not valid JSON"
                )
            }
            return APIError(dialect.validationStatus, type: dialect.validationType, message: "field `\(path(context))`: \(context.debugDescription)")
        @unknown default:
            return APIError(.badRequest, type: dialect.validationType, message: "request body could not be read")
        }
    }
}

/// A field that takes one string or a list of strings (`"inputs": "text"` or `"inputs": ["a", "b"]`).
enum TextList: Decodable {
    case one(String)
    case many([String])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .one(text)
        } else if let texts = try? container.decode([String].self) {
            self = .many(texts)
        } else {
            throw DecodingError.typeMismatch(
                [String].self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected a string or an array of strings")
            )
        }
    }

    var texts: [String] {
        switch self {
        case .one(let text): [text]
        case .many(let texts): texts
        }
    }
}

/// Builds JSON response bodies directly as bytes: embedding responses are mostly floats, and writing them
/// by hand is several times faster than JSONEncoder.
struct JSONOutput {
    private var writer: JSONWriter

    init(capacity: Int = 1024) {
        self.writer = JSONWriter(capacity: capacity)
    }

    var bytes: [UInt8] { self.writer.bytes }

    mutating func raw(_ text: String) { self.writer.raw(text) }

    mutating func string(_ text: String) { self.writer.string(text) }

    mutating func number(_ value: Float) { self.writer.number(value) }

    mutating func number(_ value: Double) { self.writer.number(value) }

    mutating func number(_ value: Int) { self.writer.number(value) }

    mutating func bool(_ value: Bool) { self.writer.bool(value) }

    mutating func floats(_ values: [Float]) {
        self.writer.byte(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { self.writer.byte(UInt8(ascii: ",")) }
            self.writer.number(value)
        }
        self.writer.byte(UInt8(ascii: "]"))
    }

    func response(status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.bytes))
        )
    }
}
