import HTTPClient
import Testing

@testable import AWSConfig

@Suite("Parameter names to environment variables")
struct EnvironmentMappingTests {
    @Test(arguments: [
        ("/humansa/production/db_password", "DB_PASSWORD"),
        ("/humansa/production/api-key", "API_KEY"),
        ("/humansa/production/plain.name.with.dots", "PLAIN_NAME_WITH_DOTS"),
        ("/humansa/production/9lives", "_9LIVES"),
        ("/humansa/production/MiXeD_Case1", "MIXED_CASE1"),
        ("/humansa/production/db/host", "HOST"),
        ("/humansa/production/naïve", "NA_VE"),
    ])
    func tailNaming(name: String, expected: String) {
        #expect(EnvironmentNaming.tail.variableName(for: name, basePath: "/humansa/production/") == expected)
    }

    @Test(arguments: [
        ("/humansa/production/db/host", "/humansa/production/", "DB_HOST"),
        ("/humansa/production/db/host", "/humansa/production", "DB_HOST"),
        ("/humansa/production/top", "/humansa/production", "TOP"),
        ("/humansa/production/a-b/c.d/9e", "/humansa/production", "A_B_C_D_9E"),
        ("/humansa/production/1/x", "/humansa/production", "_1_X"),
        ("/x/y", "/", "X_Y"),
    ])
    func relativeNaming(name: String, base: String, expected: String) {
        #expect(EnvironmentNaming.relative.variableName(for: name, basePath: base) == expected)
    }

    @Test(arguments: [("/app/prod/", "/app/prod"), ("app/prod", "/app/prod"), ("/", "/"), ("//", "/"), (" /a/ ", "/a")])
    func pathsAreNormalised(input: String, expected: String) {
        #expect(SSMPath.normalize(input) == expected)
    }

    static let parameters = [
        SSMParameter(name: "/app/prod/db/host", type: "String", value: "db"),
        SSMParameter(name: "/app/prod/cache/host", type: "String", value: "cache"),
        SSMParameter(name: "/app/prod/log_level", type: "String", value: "debug"),
        SSMParameter(name: "/app/prod/db_password", type: "SecureString", value: "secret"),
    ]

    @Test func collisionsNameBothParametersAndSuggestRelative() throws {
        #expect {
            _ = try EnvironmentPlan(parameters: Self.parameters, basePath: "/app/prod", naming: .tail, existing: [:], overwrite: false)
        } throws: { error in
            let error = error as! AWSError
            return error.code == .mappingConflict && error.message.contains("/app/prod/cache/host") && error.message.contains("/app/prod/db/host")
                && error.message.contains("HOST") && error.message.contains("SSM_ENV_NAMING=relative")
        }
        let plan = try EnvironmentPlan(parameters: Self.parameters, basePath: "/app/prod", naming: .relative, existing: [:], overwrite: false)
        #expect(plan.entries.map(\.variable) == ["CACHE_HOST", "DB_HOST", "DB_PASSWORD", "LOG_LEVEL"])
    }

    @Test func theProcessEnvironmentWinsUnlessOverwriteIsOn() throws {
        let existing = ["LOG_LEVEL": "info", "PATH": "/bin"]
        let keep = try EnvironmentPlan(parameters: Self.parameters, basePath: "/app/prod", naming: .relative, existing: existing, overwrite: false)
        #expect(keep.shadowed == ["LOG_LEVEL"])
        #expect(!keep.assignments.contains { $0.variable == "LOG_LEVEL" })
        #expect(keep.assignments.count == 3)

        let replace = try EnvironmentPlan(parameters: Self.parameters, basePath: "/app/prod", naming: .relative, existing: existing, overwrite: true)
        #expect(replace.shadowed == ["LOG_LEVEL"])
        #expect(replace.assignments.first { $0.variable == "LOG_LEVEL" }?.value == "debug")
        #expect(replace.assignments.count == 4)
    }
}

@Suite("Small pieces")
struct SupportTests {
    @Test(arguments: [
        ("http://127.0.0.1:4566", "127.0.0.1:4566", "/", ""),
        ("https://ssm.us-east-1.amazonaws.com", "ssm.us-east-1.amazonaws.com", "/", ""),
        ("https://ssm.us-east-1.amazonaws.com:443/", "ssm.us-east-1.amazonaws.com", "/", ""),
        ("http://[::1]:8080/a/b?x=1&y", "[::1]:8080", "/a/b", "x=1&y"),
        ("HTTP://User:Pass@Example.com:80/p#frag", "example.com", "/p", ""),
    ])
    func endpointURLs(url: String, host: String, path: String, query: String) throws {
        let parsed = try #require(EndpointURL(url))
        #expect(parsed.hostHeader == host)
        #expect(parsed.path == path)
        #expect(parsed.query == query)
        #expect(!parsed.description.contains("Pass"))
    }

    @Test(arguments: ["ftp://x", "no-scheme", "http://", "http://host:99999", "http://host:abc"])
    func badURLsAreRejected(url: String) {
        #expect(EndpointURL(url) == nil)
    }

    @Test func backoffIsFullJitterWithinTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        for retry in 1...8 {
            let ceiling = min(Duration.seconds(1), .milliseconds(100) * (1 << (retry - 1)))
            let delays = (0..<200).map { _ in policy.delay(beforeRetry: retry) }
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= ceiling })
            // Full jitter spreads over the whole range, not just near the ceiling.
            #expect(delays.contains { $0 < ceiling / 2 })
        }
    }

    @Test(
        arguments: [
            (400, "ThrottlingException", true), (400, "AccessDeniedException", false), (500, nil, true), (503, nil, true),
            (429, nil, true), (403, "SignatureDoesNotMatch", false), (400, "RequestTimeout", true), (404, nil, false),
        ] as [(Int, String?, Bool)]
    )
    func retryableErrors(status: Int, code: String?, retryable: Bool) {
        #expect(RetryPolicy.isRetryable(status: status, awsCode: code) == retryable)
    }

    @Test func awsErrorBodiesAreParsed() {
        let json = AWSJSONClient.serviceError(
            .init(status: 400, body: Array(#"{"__type":"com.amazonaws.ssm#ParameterNotFound","message":"nope"}"#.utf8)),
            service: "ssm",
            operation: "GetParameter"
        )
        #expect(json.awsCode == "ParameterNotFound")
        #expect(json.message.contains("nope"))
        #expect(!json.isRetryable)
        let xml = AWSJSONClient.serviceError(
            .init(
                status: 403,
                body: Array("<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>bad &amp; wrong</Message></Error></ErrorResponse>".utf8)
            ),
            service: "ssm",
            operation: "GetParametersByPath"
        )
        #expect(xml.awsCode == "SignatureDoesNotMatch")
        #expect(xml.message.contains("bad & wrong"))
        let header = AWSJSONClient.serviceError(
            .init(status: 400, headers: [("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/")], body: []),
            service: "ssm",
            operation: "GetParametersByPath"
        )
        #expect(header.awsCode == "ThrottlingException")
        #expect(header.isRetryable)
    }

    @Test func iniFiles() {
        let ini = INIFile(
            """
            # comment
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key=secret=with=equals
            [profile dev]
            region = eu-west-1
            s3 =
              max_concurrent_requests = 10
            ; another comment
            """
        )
        #expect(ini["default"]?["aws_access_key_id"] == "AKIADEFAULT")
        #expect(ini["default"]?["aws_secret_access_key"] == "secret=with=equals")
        #expect(ini["profile dev"]?["region"] == "eu-west-1")
        #expect(ini["profile dev"]?["max_concurrent_requests"] == nil)
    }

    @Test func credentialsNeverPrintTheirSecrets() {
        let credentials = AWSCredentials(
            accessKeyId: "AKIAIOSFODNN7EXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG",
            sessionToken: "tok",
            source: "env"
        )
        let printed = "\(credentials) \(String(describing: credentials)) \(String(reflecting: credentials))"
        #expect(!printed.contains("wJalrXUtnFEMI"))
        #expect(!printed.contains("AKIAIOSFODNN7EXAMPLE"))
        #expect(printed.contains("AKIA…MPLE"))
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("[::1]", true), ("169.254.170.2", true),
        ("169.254.170.23", true), ("[fd00:ec2::23]", true), ("169.254.169.254", false), ("10.0.0.1", false),
        ("example.com", false), ("127.0.0.1.evil.com", false),
    ])
    func containerHostsAreRestricted(host: String, allowed: Bool) {
        #expect(ContainerCredentialSource.isAllowedHost(host) == allowed)
    }

    @Test func timestampsInEveryShapeAWSUses() {
        #expect(ISO8601.parse("2026-11-23T17:20:00Z") != nil)
        #expect(ISO8601.parse("2026-11-23T17:20:00.123Z") != nil)
        #expect(ISO8601.parse("2026-11-23T17:20:00.123456Z") != nil)
        #expect(ISO8601.parse("not a date") == nil)
    }
}
