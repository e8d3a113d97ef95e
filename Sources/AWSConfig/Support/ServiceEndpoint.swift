/// Where a service's API lives: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then the regional default.
public enum ServiceEndpoint {
    /// - Parameters:
    ///   - service: the endpoint prefix, e.g. "ssm", "sts", "logs".
    ///   - environmentSuffix: the SDKs' service id for the variable name, e.g. "SSM", "STS", "CLOUDWATCH_LOGS".
    public static func resolve(
        service: String,
        environmentSuffix: String? = nil,
        region: String?,
        environment: [String: String]
    ) throws -> EndpointURL {
        let suffix = environmentSuffix ?? service.uppercased()
        for variable in ["AWS_ENDPOINT_URL_\(suffix)", "AWS_ENDPOINT_URL"] {
            guard let value = environment[variable], !value.isEmpty else { continue }
            guard let url = EndpointURL(value) else {
                throw AWSError(.invalidConfiguration, "\(variable)=\(value) is not an http(s) URL")
            }
            return url
        }
        guard let region, !region.isEmpty else {
            if service == "sts" { return EndpointURL("https://sts.amazonaws.com")! }
            throw AWSError(
                .invalidConfiguration,
                "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or run where instance metadata answers"
            )
        }
        guard region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }),
            let url = EndpointURL("https://\(service).\(region).\(dnsSuffix(region))")
        else {
            throw AWSError(.invalidConfiguration, "AWS region \"\(region)\" is not a valid region name")
        }
        return url
    }

    static func dnsSuffix(_ region: String) -> String {
        region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
    }
}
