import ArgumentParser
import Foundation
import HTTPClient

/// Exit 0 when `/health/ready` answers 200: the Docker HEALTHCHECK, so the image needs no curl.
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Exit 0 when the local server's /health/ready answers 200, 1 otherwise."
    )

    @Option(name: .long, help: "URL to check (default: http://127.0.0.1:$ML_SERVER_PORT/health/ready).")
    var url: String?

    @Option(name: .long, help: "Seconds to wait for an answer.")
    var timeout: Double = 3

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let port = environment["ML_SERVER_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "5001"
        let url = self.url ?? "http://127.0.0.1:\(port)/health/ready"
        let http = HTTPClient()
        defer { http.shutdown() }
        let timeout = Duration.milliseconds(Int64(max(0.1, self.timeout) * 1000))
        do {
            let response = try await http.execute(HTTPRequest(url: url, timeouts: HTTPTimeouts(connect: timeout, total: timeout), bypassProxy: true))
            guard response.status == 200 else {
                FileHandle.standardError.write(Data("skiff healthcheck: \(url) answered \(response.status)\n".utf8))
                throw ExitCode(1)
            }
        } catch let error as HTTPClientError {
            FileHandle.standardError.write(Data("skiff healthcheck: \(url): \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
