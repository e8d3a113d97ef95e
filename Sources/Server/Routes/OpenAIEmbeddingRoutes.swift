import Foundation
import Gateway
import HTTPClient
import Hummingbird
import Inference
import Logging
import NIOCore

/// `POST /v1/embeddings` in OpenAI's shape, so the official SDK works unchanged against local models.
struct OpenAIEmbeddingRoutes: Sendable {
    let embeddings: EmbeddingRoutes
    /// Models that are not local go to a provider through the gateway (`text-embedding-3-small` → OpenAI).
    let gateway: Gateway?
    /// A client that hangs up cancels a provider call made for it.
    let disconnects: DisconnectMonitor

    struct EmbeddingsRequest: Decodable {
        let input: Input
        let model: String
        let encoding_format: String?
        let dimensions: Int?
        let user: String?

        /// OpenAI takes text or token ids; token ids belong to the provider's tokenizer, not a local model's.
        enum Input: Decodable {
            case texts([String])
            case tokens

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) {
                    self = .texts([text])
                } else if let texts = try? container.decode([String].self) {
                    self = .texts(texts)
                } else if (try? container.decode([Int].self)) != nil || (try? container.decode([[Int]].self)) != nil {
                    self = .tokens
                } else {
                    throw DecodingError.typeMismatch(
                        [String].self,
                        .init(codingPath: decoder.codingPath, debugDescription: "expected a string or an array of strings")
                    )
                }
            }
        }
    }

    func register(on router: Router<SkiffRequestContext>) {
        router.post("/v1/embeddings") { request, context in try await self.create(request, context: context) }
    }

    /// The names a client may use for the local model: its own, or the Hugging Face id it came from.
    static func matches(_ requested: String, model: String) -> Bool {
        let lowered = requested.lowercased()
        return lowered == model.lowercased() || lowered.hasSuffix("/" + model.lowercased())
    }

    func create(_ request: Request, context: SkiffRequestContext) async throws -> Response {
        let settings = self.embeddings.settings
        let buffer = try await JSONRequest.body(of: request, limit: settings.maxRequestBytes)
        if let gateway, !gateway.router.isEmpty, let json = try? JSONValue.parse(buffer.readableBytesView),
            let requested = json["model"]?.stringValue,
            !(settings.embeddingModel.map { Self.matches(requested, model: $0) } ?? false)
        {
            return try await self.forward(json, to: gateway, context: context)
        }
        let body = try JSONRequest.decode(EmbeddingsRequest.self, from: buffer, dialect: .openAI)
        guard case .texts(let texts) = body.input else {
            throw APIError(
                .badRequest,
                type: "invalid_request_error",
                message: "token-id input is not supported by local models; send text in `input`"
            )
        }
        let format = body.encoding_format ?? "float"
        guard format == "float" || format == "base64" else {
            throw APIError(.badRequest, type: "invalid_request_error", message: "`encoding_format` must be \"float\" or \"base64\"")
        }
        try self.embeddings.validate(texts, field: "input", dialect: .openAI)
        let model: EmbeddingModel
        do {
            model = try self.embeddings.registry.embedding()
        } catch {
            throw APIError(error, dialect: .openAI)
        }
        guard Self.matches(body.model, model: model.name) else {
            throw APIError(
                .notFound,
                type: "model_not_found",
                message: "The model `\(body.model)` does not exist or is not served here; available: \(model.name)"
            )
        }
        if let dimensions = body.dimensions, !(1...model.dimensions).contains(dimensions) {
            throw APIError(
                .badRequest,
                type: "invalid_request_error",
                message: "`dimensions` must be between 1 and \(model.dimensions) for \(model.name)"
            )
        }
        context.annotate(model: model.name)
        let result = try await EmbeddingRoutes.embed(texts, with: model, truncate: true, dialect: .openAI, timeout: self.embeddings.timeout)
        var output = JSONOutput(capacity: result.vectors.count * model.dimensions * 12 + 256)
        output.raw("{\"object\":\"list\",\"data\":[")
        for (index, raw) in result.vectors.enumerated() {
            // Shortened vectors are re-normalised, as OpenAI does for `dimensions`.
            let vector = VectorMath.normalized(body.dimensions.map { Array(raw.prefix($0)) } ?? raw)
            if index > 0 { output.raw(",") }
            output.raw("{\"object\":\"embedding\",\"index\":")
            output.number(index)
            output.raw(",\"embedding\":")
            if format == "base64" {
                output.string(Self.base64(vector))
            } else {
                output.floats(vector)
            }
            output.raw("}")
        }
        output.raw("],\"model\":")
        output.string(model.name)
        output.raw(",\"usage\":{\"prompt_tokens\":")
        output.number(result.tokens)
        output.raw(",\"total_tokens\":")
        output.number(result.tokens)
        output.raw("}}")
        return output.response()
    }

    /// A provider's embeddings, passed through as the provider sent them.
    func forward(_ body: JSONValue, to gateway: Gateway, context: SkiffRequestContext) async throws -> Response {
        let cancellation = HTTPCancellation()
        let call = gateway.call(
            requestID: context.logger[metadataKey: "hb.request.id"]?.description,
            traceID: context.logger[metadataKey: "trace_id"]?.description,
            cancellation: cancellation
        )
        let watch = self.disconnects.watch(context.channel) { cancellation.cancel() }
        defer { self.disconnects.unwatch(watch) }
        let model = body["model"]?.stringValue ?? ""
        do {
            let result = try await gateway.embeddings(body, call: call, logger: context.logger)
            GatewayRoutes.annotate(context, model: model, status: 200, stream: false, outcome: result.outcome, error: nil)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: result.body)))
        } catch {
            var error = error
            if error.kind == .modelNotFound, let local = self.embeddings.settings.embeddingModel {
                error.message += " Local embedding model: \(local)."
            }
            GatewayRoutes.annotate(context, model: model, status: error.status, stream: false, outcome: nil, error: error)
            throw GatewayHTTPError(error)
        }
    }

    /// Little-endian float32 bytes, base64-encoded: what OpenAI sends and its SDK decodes.
    static func base64(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        return Data(bytes).base64EncodedString()
    }
}
