import Foundation
import Inference

/// `/classify`, `/toxicity`, `/rerank`, `/risk` and `/analyze`: defaults, thresholds and the risk formula's numbers.
struct AnalysisSettings: Sendable, Equatable {
    var zeroShot = ZeroShotConfiguration()
    var toxicity = ToxicityClassifier.Configuration()
    var risk = RiskConfiguration()
    /// `/similarity` scores in [`RERANK_LOW`, `RERANK_HIGH`] are decided by the cross-encoder, when there is one.
    var rerankLow: Double = 0.5
    var rerankHigh: Double = 0.85
    /// A cross-encoder probability at or above this is a match (`CROSS_ENCODER_THRESHOLD`).
    var crossEncoderThreshold: Double = 0.5

    static func from(environment: [String: String], models: [ModelRole: String]) throws(SettingsError) -> AnalysisSettings {
        let reader = EnvironmentReader(environment: environment)
        var settings = AnalysisSettings()
        var zeroShot = settings.zeroShot
        // Set but empty: no defaults, so a request without labels is refused.
        if let raw = environment["DEFAULT_LABELS"] { zeroShot.defaultLabels = raw.trimmingSpaces().isEmpty ? [] : try Self.labels(raw) }
        zeroShot.hypothesisTemplate = reader.string("HYPOTHESIS_TEMPLATE", default: zeroShot.hypothesisTemplate)
        guard zeroShot.hypothesisTemplate.contains("{}") else {
            throw SettingsError(variable: "HYPOTHESIS_TEMPLATE", message: "\"\(zeroShot.hypothesisTemplate)\" has no {} for the label")
        }
        zeroShot.useCascade = try reader.bool("USE_CASCADE_CLASSIFIER", default: zeroShot.useCascade)
        if zeroShot.useCascade {
            for role in [ModelRole.fastClassifier, .classifier] where models[role] == nil {
                throw SettingsError(variable: role.variable, message: "required when USE_CASCADE_CLASSIFIER=true")
            }
        }
        zeroShot.cascadeThreshold = try reader.double("CASCADE_CONFIDENCE_THRESHOLD", default: zeroShot.cascadeThreshold, range: 0...1)
        zeroShot.temperature = Float(
            try reader.double("EMBEDDING_CLASSIFIER_TEMPERATURE", default: Double(zeroShot.temperature), range: 0.001...10)
        )
        zeroShot.center = Float(try reader.double("EMBEDDING_CLASSIFIER_CENTER", default: Double(zeroShot.center), range: -1...1))
        zeroShot.maxLabels = try reader.int("MAX_LABELS", default: zeroShot.maxLabels, range: 1...1000)
        guard zeroShot.defaultLabels.count <= zeroShot.maxLabels else {
            throw SettingsError(
                variable: "DEFAULT_LABELS",
                message: "has \(zeroShot.defaultLabels.count) labels; MAX_LABELS is \(zeroShot.maxLabels)"
            )
        }
        settings.zeroShot = zeroShot

        settings.toxicity.threshold = Float(try reader.double("TOXICITY_THRESHOLD", default: Double(settings.toxicity.threshold), range: 0...1))
        if let raw = reader.string("TOXICITY_NEUTRAL_LABELS") {
            settings.toxicity.neutralLabels = Set(raw.commaSeparated().map { $0.lowercased() })
        }

        settings.rerankLow = try reader.double("RERANK_LOW", default: settings.rerankLow, range: -1...1)
        settings.rerankHigh = try reader.double("RERANK_HIGH", default: settings.rerankHigh, range: -1...1)
        guard settings.rerankLow <= settings.rerankHigh else {
            throw SettingsError(variable: "RERANK_HIGH", message: "\(settings.rerankHigh) is below RERANK_LOW (\(settings.rerankLow))")
        }
        settings.crossEncoderThreshold = try reader.double("CROSS_ENCODER_THRESHOLD", default: settings.crossEncoderThreshold, range: 0...1)
        settings.risk = try Self.risk(reader)
        return settings
    }

    /// `RISK_*`: every number of the formula.
    static func risk(_ reader: EnvironmentReader) throws(SettingsError) -> RiskConfiguration {
        var risk = RiskConfiguration()
        if let raw = reader.string("RISK_WEIGHTS") {
            var weights = RiskConfiguration.Weights()
            for (name, value) in try Self.pairs(raw, variable: "RISK_WEIGHTS", range: 0...100) {
                switch name {
                case "category": weights.category = value
                case "severity": weights.severity = value
                case "toxicity": weights.toxicity = value
                case "urgency": weights.urgency = value
                default: throw SettingsError(variable: "RISK_WEIGHTS", message: "unknown factor \"\(name)\" (category, severity, toxicity, urgency)")
                }
            }
            risk.weights = weights
        }
        if let raw = reader.string("RISK_CATEGORY_WEIGHTS") {
            risk.categoryWeights = Dictionary(try Self.pairs(raw, variable: "RISK_CATEGORY_WEIGHTS", range: 0...1)) { $1 }
        }
        risk.defaultCategoryWeight = try reader.double("RISK_DEFAULT_CATEGORY_WEIGHT", default: risk.defaultCategoryWeight, range: 0...1)
        if let raw = reader.string("RISK_SEVERITY_SCORES") {
            risk.severityScores = try Self.pairs(raw, variable: "RISK_SEVERITY_SCORES", range: 0...1).map { (name: $0.0, value: $0.1) }
        }
        if let raw = reader.string("RISK_URGENCY_CUES") { risk.urgencyCues = raw.commaSeparated().map { $0.lowercased() } }
        risk.urgencySaturation = try reader.int("RISK_URGENCY_SATURATION", default: risk.urgencySaturation, range: 1...100)
        if let raw = reader.string("RISK_LEVEL_THRESHOLDS") {
            let values = raw.commaSeparated().compactMap(Double.init)
            guard values.count == 3, values == values.sorted(), values.allSatisfy({ (0...1).contains($0) }) else {
                throw SettingsError(
                    variable: "RISK_LEVEL_THRESHOLDS",
                    message: "\"\(raw)\" must be three ascending numbers in 0…1 (where medium, high and critical start)"
                )
            }
            risk.levelThresholds = values
        }
        return risk
    }

    /// `DEFAULT_LABELS`: a JSON object of name → description, or a comma-separated list of names.
    static func labels(_ raw: String) throws(SettingsError) -> [ZeroShotLabel] {
        guard raw.hasPrefix("{") else { return raw.commaSeparated().map { ZeroShotLabel($0) } }
        // JSONSerialization loses the object's order; the order of the text is the order labels tie-break in.
        guard let data = raw.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: String]
        else {
            throw SettingsError(variable: "DEFAULT_LABELS", message: "is not a JSON object of label → description strings")
        }
        let order = object.keys.sorted {
            (raw.range(of: "\"\($0)\"")?.lowerBound ?? raw.endIndex) < (raw.range(of: "\"\($1)\"")?.lowerBound ?? raw.endIndex)
        }
        return order.map { ZeroShotLabel($0, description: object[$0]!.isEmpty ? nil : object[$0]) }
    }

    /// "name=value, name=value" with every value a number in `range`.
    static func pairs(_ raw: String, variable: String, range: ClosedRange<Double>) throws(SettingsError) -> [(String, Double)] {
        var pairs: [(String, Double)] = []
        for item in raw.commaSeparated() {
            let parts = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces() }
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]), range.contains(value) else {
                throw SettingsError(
                    variable: variable,
                    message: "\"\(item)\" is not name=number with the number in \(range.lowerBound)…\(range.upperBound)"
                )
            }
            pairs.append((parts[0].lowercased(), value))
        }
        return pairs
    }
}
