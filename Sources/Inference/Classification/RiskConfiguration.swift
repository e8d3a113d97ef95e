/// The risk formula's numbers. They are configuration (`RISK_*` variables), not code: teams tune them to their
/// own incident mix.
public struct RiskConfiguration: Sendable, Equatable {
    /// How much each factor counts (`RISK_WEIGHTS`).
    public struct Weights: Sendable, Equatable {
        public var category: Double
        public var severity: Double
        public var toxicity: Double
        public var urgency: Double

        public init(category: Double = 0.35, severity: Double = 0.30, toxicity: Double = 0.10, urgency: Double = 0.25) {
            self.category = category
            self.severity = severity
            self.toxicity = toxicity
            self.urgency = urgency
        }
    }

    public var weights: Weights
    /// Danger of each category in [0, 1] (`RISK_CATEGORY_WEIGHTS`).
    public var categoryWeights: [String: Double]
    /// For categories not in the table (`RISK_DEFAULT_CATEGORY_WEIGHT`).
    public var defaultCategoryWeight: Double
    /// Value of each severity a caller may send (`RISK_SEVERITY_SCORES`), in ascending order.
    public var severityScores: [(name: String, value: Double)]
    /// Words and phrases that signal urgency (`RISK_URGENCY_CUES`), matched as whole words, case-insensitively.
    public var urgencyCues: [String]
    /// Distinct cues that make urgency 1 (`RISK_URGENCY_SATURATION`).
    public var urgencySaturation: Int
    /// Lower bounds of medium, high and critical (`RISK_LEVEL_THRESHOLDS`).
    public var levelThresholds: [Double]

    public static let levels = ["low", "medium", "high", "critical"]

    public init(
        weights: Weights = Weights(),
        categoryWeights: [String: Double] = [
            "fire": 0.9, "medical": 0.85, "hazmat": 0.85, "natural_disaster": 0.8, "crime": 0.7, "traffic": 0.6,
            "infrastructure": 0.5, "disturbance": 0.2,
        ],
        defaultCategoryWeight: Double = 0.4,
        severityScores: [(name: String, value: Double)] = [("low", 0.25), ("medium", 0.5), ("high", 0.8), ("critical", 1.0)],
        urgencyCues: [String] = [
            "trapped", "help", "urgent", "emergency", "immediately", "now", "hurry", "asap", "dying", "bleeding", "unconscious",
            "not breathing", "weapon", "gun", "collapsed", "explosion", "screaming",
        ],
        urgencySaturation: Int = 2,
        levelThresholds: [Double] = [0.3, 0.55, 0.8]
    ) {
        self.weights = weights
        self.categoryWeights = categoryWeights
        self.defaultCategoryWeight = defaultCategoryWeight
        self.severityScores = severityScores
        self.urgencyCues = urgencyCues
        self.urgencySaturation = urgencySaturation
        self.levelThresholds = levelThresholds
    }

    public static func == (lhs: RiskConfiguration, rhs: RiskConfiguration) -> Bool {
        lhs.weights == rhs.weights && lhs.categoryWeights == rhs.categoryWeights && lhs.defaultCategoryWeight == rhs.defaultCategoryWeight
            && lhs.severityScores.map(\.name) == rhs.severityScores.map(\.name)
            && lhs.severityScores.map(\.value) == rhs.severityScores.map(\.value) && lhs.urgencyCues == rhs.urgencyCues
            && lhs.urgencySaturation == rhs.urgencySaturation && lhs.levelThresholds == rhs.levelThresholds
    }

    /// The value of a severity name, or nil when it is not one of `severityScores`.
    public func severity(_ name: String) -> Double? {
        self.severityScores.first { $0.name == name.lowercased() }?.value
    }
}
