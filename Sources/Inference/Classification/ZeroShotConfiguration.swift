import Foundation

/// A candidate label for zero-shot classification; the description, when there is one, is what the hypothesis
/// (or the label's embedding) is made from.
public struct ZeroShotLabel: Sendable, Equatable {
    public let name: String
    public let description: String?

    public init(_ name: String, description: String? = nil) {
        self.name = name
        self.description = description
    }

    /// The hypothesis for this label: `template` with `{}` replaced, as the transformers pipeline formats it.
    func hypothesis(_ template: String) -> String {
        template.replacingOccurrences(of: "{}", with: self.description ?? self.name)
    }
}

/// How `/classify` decides: defaults for requests that leave things out, the cascade, and the embedding method's
/// calibration.
public struct ZeroShotConfiguration: Sendable, Equatable {
    /// Incident categories used when a request names no labels (`DEFAULT_LABELS`).
    public var defaultLabels: [ZeroShotLabel]
    /// `HYPOTHESIS_TEMPLATE`.
    public var hypothesisTemplate: String
    /// `USE_CASCADE_CLASSIFIER`: the fast model answers first.
    public var useCascade: Bool
    /// `CASCADE_CONFIDENCE_THRESHOLD`: a fast top score below this goes to the classifier.
    public var cascadeThreshold: Double
    /// `EMBEDDING_CLASSIFIER_TEMPERATURE`: cosines are divided by it before softmax or sigmoid.
    public var temperature: Float
    /// `EMBEDDING_CLASSIFIER_CENTER`: the cosine that maps to 0.5 in multi-label mode.
    public var center: Float
    /// `MAX_LABELS`: labels per request (NLI runs one pair per text and label).
    public var maxLabels: Int

    public static let incidentLabels: [ZeroShotLabel] = [
        ZeroShotLabel("fire", description: "a fire, smoke, flames or an explosion"),
        ZeroShotLabel("medical", description: "a medical emergency: someone injured, sick, unconscious or not breathing"),
        ZeroShotLabel("crime", description: "a crime: theft, robbery, burglary, assault or violence"),
        ZeroShotLabel("traffic", description: "a traffic accident or a hazard on the road"),
        ZeroShotLabel("natural_disaster", description: "a natural disaster: a flood, earthquake, storm or landslide"),
        ZeroShotLabel("hazmat", description: "a hazardous material leak: gas, chemicals or toxic fumes"),
        ZeroShotLabel("infrastructure", description: "an infrastructure failure: a power outage, water main break or structural damage"),
        ZeroShotLabel("disturbance", description: "a noise complaint or a public disturbance"),
    ]

    public init(
        defaultLabels: [ZeroShotLabel] = Self.incidentLabels,
        hypothesisTemplate: String = "This example is {}.",
        useCascade: Bool = false,
        cascadeThreshold: Double = 0.7,
        temperature: Float = 0.05,
        center: Float = 0.3,
        maxLabels: Int = 32
    ) {
        self.defaultLabels = defaultLabels
        self.hypothesisTemplate = hypothesisTemplate
        self.useCascade = useCascade
        self.cascadeThreshold = cascadeThreshold
        self.temperature = temperature
        self.center = center
        self.maxLabels = maxLabels
    }
}
