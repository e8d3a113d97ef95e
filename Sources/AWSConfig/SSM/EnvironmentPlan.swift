/// What loading SSM would do to a process environment, worked out before anything is changed.
public struct EnvironmentPlan: Sendable {
    /// One parameter and the variable it maps to.
    public struct Entry: Sendable, Equatable {
        public let parameter: String
        public let variable: String
        public let type: String
        public let value: String
    }

    /// Every mapped parameter, sorted by variable name.
    public let entries: [Entry]
    /// Variables that will be set (all entries unless shadowed).
    public let assignments: [Entry]
    /// Variables already in the environment that keep their value (no-clobber) or are replaced (overwrite).
    public let shadowed: [String]
    public let overwrite: Bool

    /// Maps parameters to variables, refusing two parameters that land on one name.
    public init(
        parameters: [SSMParameter],
        basePath: String,
        naming: EnvironmentNaming,
        existing: [String: String],
        overwrite: Bool
    ) throws {
        var byVariable: [String: Entry] = [:]
        for parameter in parameters {
            let variable = naming.variableName(for: parameter.name, basePath: basePath)
            guard !variable.isEmpty else { continue }
            if let other = byVariable[variable] {
                let first = min(other.parameter, parameter.name)
                let second = max(other.parameter, parameter.name)
                throw AWSError(
                    .mappingConflict,
                    "SSM parameters \(first) and \(second) both map to the environment variable \(variable)"
                        + (naming == .tail
                            ? "; set SSM_ENV_NAMING=relative to name variables by their path below \(basePath)" : "; rename one of them")
                )
            }
            byVariable[variable] = Entry(parameter: parameter.name, variable: variable, type: parameter.type, value: parameter.value)
        }
        self.entries = byVariable.values.sorted { $0.variable < $1.variable }
        self.shadowed = self.entries.filter { existing[$0.variable] != nil }.map(\.variable)
        self.assignments = overwrite ? self.entries : self.entries.filter { existing[$0.variable] == nil }
        self.overwrite = overwrite
    }
}
