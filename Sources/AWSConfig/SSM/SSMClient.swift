import Logging

/// The one SSM operation skiff needs, following `NextToken` to the end (pages may be empty and still carry one).
public struct SSMClient: Sendable {
    let client: AWSJSONClient

    public init(client: AWSJSONClient) {
        self.client = client
    }

    struct Request: Encodable {
        let Path: String
        let Recursive: Bool
        let WithDecryption: Bool
        let MaxResults: Int
        let NextToken: String?
    }

    struct Page: Decodable {
        let Parameters: [SSMParameter]?
        let NextToken: String?
    }

    /// Every parameter under `path`, decrypted, in the order SSM returns them.
    /// - Returns: the parameters and how many pages it took.
    public func parametersByPath(_ path: String, recursive: Bool = true, logger: Logger) async throws -> (parameters: [SSMParameter], pages: Int) {
        var parameters: [SSMParameter] = []
        var token: String? = nil
        var pages = 0
        repeat {
            let page = try await self.client.call(
                "GetParametersByPath",
                Request(Path: path, Recursive: recursive, WithDecryption: true, MaxResults: 10, NextToken: token),
                as: Page.self,
                logger: logger
            )
            pages += 1
            parameters += page.Parameters ?? []
            token = page.NextToken.flatMap { $0.isEmpty ? nil : $0 }
            if pages > 10_000 {
                throw AWSError(.invalidResponse, "SSM kept returning NextToken after 10,000 pages under \(path)")
            }
        } while token != nil
        return (parameters, pages)
    }
}
