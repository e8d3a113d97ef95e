import Foundation
import HTTPClient
import Logging

/// The CloudWatch Logs operations skiff needs (JSON 1.1, `X-Amz-Target: Logs_20140328.<Operation>`), each one
/// signed attempt (`AWSJSONClient.callOnce`): the log shipper decides about retries itself, from
/// `AWSError.isRetryable`. The Create operations answer 200 with an empty body, which reads as `{}`.
public struct CloudWatchLogsClient: Sendable {
    let client: AWSJSONClient
    public var endpoint: EndpointURL { self.client.endpoint }
    public var region: String { self.client.region }

    public init(
        endpoint: EndpointURL,
        region: String,
        http: HTTPClient,
        credentials: any AWSCredentialProvider,
        timeouts: HTTPTimeouts = HTTPTimeouts(connect: .seconds(5), total: .seconds(30)),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = AWSJSONClient(
            service: "logs",
            targetPrefix: "Logs_20140328",
            endpoint: endpoint,
            region: region,
            displayName: "CloudWatch Logs",
            acceptsEmptyBody: true,
            http: http,
            credentials: credentials,
            timeouts: timeouts,
            clock: clock
        )
    }

    /// The client `environment` describes, resolved as for SSM: region from `AWS_REGION`, `AWS_DEFAULT_REGION`, the
    /// profile or instance metadata; endpoint from `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`, then `AWS_ENDPOINT_URL`, then
    /// `https://logs.<region>.amazonaws.com`; credentials from the standard chain, on first use.
    public static func fromEnvironment(
        _ environment: [String: String],
        http: HTTPClient,
        metadata: InstanceMetadataClient?,
        timeouts: HTTPTimeouts = HTTPTimeouts(connect: .seconds(5), total: .seconds(30)),
        logger: Logger
    ) async throws -> CloudWatchLogsClient {
        let region = await RegionResolver.resolve(environment: environment, metadata: metadata)
        let endpoint = try ServiceEndpoint.resolve(service: "logs", environmentSuffix: "CLOUDWATCH_LOGS", region: region, environment: environment)
        return CloudWatchLogsClient(
            endpoint: endpoint,
            region: region ?? "us-east-1",
            http: http,
            credentials: CredentialChain.standard(environment: environment, http: http, metadata: metadata, logger: logger),
            timeouts: timeouts
        )
    }

    struct Empty: Codable {}

    /// Creates the log group; false when it already existed.
    @discardableResult
    public func createLogGroup(_ group: String) async throws -> Bool {
        struct Request: Encodable { let logGroupName: String }
        return try await self.create("CreateLogGroup", Request(logGroupName: group))
    }

    /// Creates the log stream in an existing group; false when it already existed. A missing group fails with
    /// `ResourceNotFoundException`.
    @discardableResult
    public func createLogStream(group: String, stream: String) async throws -> Bool {
        struct Request: Encodable {
            let logGroupName: String
            let logStreamName: String
        }
        return try await self.create("CreateLogStream", Request(logGroupName: group, logStreamName: stream))
    }

    private func create(_ operation: String, _ request: some Encodable) async throws -> Bool {
        do {
            _ = try await self.client.callOnce(operation, request, as: Empty.self)
            return true
        } catch let error as AWSError where error.awsCode == "ResourceAlreadyExistsException" {
            return false
        }
    }

    /// Which events of a PutLogEvents call CloudWatch refused (too old, too new, or past the group's retention)
    /// while storing the rest.
    public struct RejectedEvents: Sendable, Equatable, Decodable {
        /// Events from this index on are more than two hours in the future.
        public var tooNewLogEventStartIndex: Int?
        /// Events up to this index are more than 14 days old.
        public var tooOldLogEventEndIndex: Int?
        /// Events up to this index are older than the group's retention.
        public var expiredLogEventEndIndex: Int?

        public init(tooNewLogEventStartIndex: Int? = nil, tooOldLogEventEndIndex: Int? = nil, expiredLogEventEndIndex: Int? = nil) {
            self.tooNewLogEventStartIndex = tooNewLogEventStartIndex
            self.tooOldLogEventEndIndex = tooOldLogEventEndIndex
            self.expiredLogEventEndIndex = expiredLogEventEndIndex
        }

        /// How many of `count` events these indices cover.
        public func count(of count: Int) -> Int {
            guard count > 0 else { return 0 }
            var rejected = Set<Int>()
            if let end = self.tooOldLogEventEndIndex, end >= 0 { rejected.formUnion(0...min(end, count - 1)) }
            if let end = self.expiredLogEventEndIndex, end >= 0 { rejected.formUnion(0...min(end, count - 1)) }
            if let start = self.tooNewLogEventStartIndex, start < count { rejected.formUnion(max(0, start)..<count) }
            return rejected.count
        }
    }

    /// Uploads one batch, which must already be within `CloudWatchLogLimits` and in chronological order
    /// (`CloudWatchLogBatcher` makes such batches).
    /// - Returns: the events CloudWatch refused, if any.
    public func putLogEvents(group: String, stream: String, events: [CloudWatchLogEvent]) async throws -> RejectedEvents? {
        struct Request: Encodable {
            let logGroupName: String
            let logStreamName: String
            let logEvents: [CloudWatchLogEvent]
        }
        struct Response: Decodable {
            let rejectedLogEventsInfo: RejectedEvents?
        }
        let response = try await self.client.callOnce(
            "PutLogEvents",
            Request(logGroupName: group, logStreamName: stream, logEvents: events),
            as: Response.self
        )
        return response.rejectedLogEventsInfo
    }

    /// One page of GetLogEvents, oldest first. Pass `nextForwardToken` back as `token` for the next page; the
    /// stream's end is reached when the token comes back unchanged.
    public func getLogEvents(
        group: String,
        stream: String,
        token: String? = nil,
        limit: Int? = nil
    ) async throws -> (events: [CloudWatchLogEvent], nextForwardToken: String?) {
        struct Request: Encodable {
            let logGroupName: String
            let logStreamName: String
            let startFromHead: Bool
            let nextToken: String?
            let limit: Int?
        }
        struct Response: Decodable {
            let events: [CloudWatchLogEvent]?
            let nextForwardToken: String?
        }
        let response = try await self.client.callOnce(
            "GetLogEvents",
            Request(logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token, limit: limit),
            as: Response.self
        )
        return (response.events ?? [], response.nextForwardToken)
    }

    /// Names of the group's streams that start with `prefix`, following `nextToken` to the end.
    public func logStreamNames(group: String, prefix: String? = nil) async throws -> [String] {
        struct Request: Encodable {
            let logGroupName: String
            let logStreamNamePrefix: String?
            let nextToken: String?
        }
        struct Stream: Decodable { let logStreamName: String }
        struct Response: Decodable {
            let logStreams: [Stream]?
            let nextToken: String?
        }
        var names: [String] = []
        var token: String? = nil
        var pages = 0
        repeat {
            let page = try await self.client.callOnce(
                "DescribeLogStreams",
                Request(logGroupName: group, logStreamNamePrefix: prefix, nextToken: token),
                as: Response.self
            )
            names += page.logStreams?.map(\.logStreamName) ?? []
            token = page.nextToken.flatMap { $0.isEmpty ? nil : $0 }
            pages += 1
        } while token != nil && pages < 1000
        return names
    }
}
