/// The region to call: `AWS_REGION`, `AWS_DEFAULT_REGION`, the shared config profile, then instance metadata.
public enum RegionResolver {
    public static func resolve(environment: [String: String], metadata: InstanceMetadataClient?) async -> String? {
        for variable in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let value = environment[variable], !value.isEmpty { return value }
        }
        let profile = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        if let region = SharedConfigFiles(environment: environment).region(profile: profile), !region.isEmpty { return region }
        return try? await metadata?.region()
    }
}
