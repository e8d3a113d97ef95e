import Inference

/// The JSON faces of classification, toxicity, risk and analysis results.
extension JSONOutput {
    /// Scores that callers compare with configured thresholds (cascade, similarity band) are written at Double
    /// precision, so the printed value is exactly the one that was compared.
    mutating func exact(_ value: Float) { self.number(Double(value)) }

    mutating func strings(_ values: [String]) {
        self.raw("[")
        for (index, value) in values.enumerated() {
            if index > 0 { self.raw(",") }
            self.string(value)
        }
        self.raw("]")
    }

    mutating func classification(_ result: ZeroShotResult, raw: Bool) {
        self.raw("{\"sequence\":")
        self.string(result.sequence)
        self.raw(",\"labels\":")
        self.strings(result.labels)
        self.raw(",\"scores\":")
        self.floats(result.scores)
        if raw {
            self.raw(",\"raw_scores\":")
            self.floats(result.rawScores)
        }
        self.raw(",\"model\":")
        self.string(result.model)
        self.raw(",\"method\":")
        self.string(result.method.rawValue)
        self.raw(",\"multi_label\":")
        self.bool(result.multiLabel)
        if let cascade = result.cascade {
            self.raw(",\"cascade\":{\"fast_model\":")
            self.string(cascade.fastModel)
            self.raw(",\"fast_top_label\":")
            if let label = cascade.fastTopLabel { self.string(label) } else { self.raw("null") }
            self.raw(",\"fast_top_score\":")
            if let score = cascade.fastTopScore { self.exact(score) } else { self.raw("null") }
            self.raw(",\"threshold\":")
            self.number(cascade.threshold)
            self.raw(",\"escalated\":")
            self.bool(cascade.escalated)
            if let reason = cascade.fastUnavailable {
                self.raw(",\"fast_model_unavailable\":")
                self.string(reason)
            }
            self.raw("}")
        }
        self.raw("}")
    }

    mutating func toxicity(_ result: ToxicityClassifier.Result, raw: Bool) {
        self.raw("{\"scores\":")
        self.labelled(result.labels, result.scores)
        if raw {
            self.raw(",\"raw_scores\":")
            self.labelled(result.labels, result.logits)
        }
        self.raw(",\"is_toxic\":")
        self.bool(result.isToxic)
        self.raw(",\"flagged\":")
        self.strings(result.flagged)
        self.raw(",\"top_label\":")
        self.string(result.topLabel)
        self.raw(",\"top_score\":")
        self.number(result.topScore)
        self.raw(",\"threshold\":")
        self.exact(result.threshold)
        self.raw(",\"model\":")
        self.string(result.model)
        self.raw("}")
    }

    /// `{"label": value, ...}` in the model's label order.
    mutating func labelled(_ labels: [String], _ values: [Float]) {
        self.raw("{")
        for (index, label) in labels.enumerated() {
            if index > 0 { self.raw(",") }
            self.string(label)
            self.raw(":")
            self.number(values[index])
        }
        self.raw("}")
    }

    mutating func risk(_ assessment: RiskScorer.Assessment) {
        self.raw("{\"score\":")
        self.number(assessment.score)
        self.raw(",\"level\":")
        self.string(assessment.level)
        self.raw(",\"category\":")
        if let category = assessment.category { self.string(category) } else { self.raw("null") }
        self.raw(",\"factors\":{")
        for (index, factor) in assessment.factors.enumerated() {
            if index > 0 { self.raw(",") }
            self.string(factor.name)
            self.raw(":{\"value\":")
            self.number(factor.value)
            self.raw(",\"weight\":")
            self.number(factor.weight)
            self.raw(",\"contribution\":")
            self.number(factor.contribution)
            switch factor.detail {
            case .category(let name, let confidence):
                self.raw(",\"category\":")
                self.string(name)
                self.raw(",\"source\":")
                self.string(confidence == nil ? "request" : "classification")
                if let confidence {
                    self.raw(",\"confidence\":")
                    self.number(confidence)
                }
            case .severity(let severity):
                self.raw(",\"severity\":")
                self.string(severity)
            case .toxicity(let label, let model):
                self.raw(",\"label\":")
                self.string(label)
                self.raw(",\"model\":")
                self.string(model)
            case .urgency(let cues):
                self.raw(",\"cues\":")
                self.strings(cues)
            }
            self.raw("}")
        }
        self.raw("},\"unavailable\":{")
        for (index, missing) in assessment.unavailable.enumerated() {
            if index > 0 { self.raw(",") }
            self.string(missing.name)
            self.raw(":")
            self.string(missing.reason)
        }
        self.raw("}}")
    }

    /// A part of `/analyze` that could not run: `{"available": false, "error": {"type", "message"}}`.
    mutating func unavailable(_ error: InferenceError) {
        let api = APIError(error, dialect: .native)
        self.raw("{\"available\":false,\"error\":{\"type\":")
        self.string(api.type)
        self.raw(",\"message\":")
        self.string(api.message)
        self.raw("}}")
    }

    mutating func analysis(_ analysis: IncidentAnalyzer.Analysis) {
        self.raw("{\"classification\":")
        switch analysis.classification {
        case .success(let result): self.classification(result, raw: false)
        case .failure(let error): self.unavailable(error)
        }
        self.raw(",\"toxicity\":")
        switch analysis.toxicity {
        case .success(let result): self.toxicity(result, raw: false)
        case .failure(let error): self.unavailable(error)
        }
        self.raw(",\"risk\":")
        self.risk(analysis.risk)
        if let duplicates = analysis.duplicates {
            self.raw(",\"duplicates\":")
            switch duplicates {
            case .success(let matches):
                self.raw("[")
                for (index, match) in matches.enumerated() {
                    if index > 0 { self.raw(",") }
                    self.raw("{\"index\":")
                    self.number(match.index)
                    self.raw(",\"text\":")
                    self.string(match.text)
                    self.raw(",\"score\":")
                    self.number(match.score)
                    self.raw("}")
                }
                self.raw("]")
            case .failure(let error): self.unavailable(error)
            }
        }
        self.raw("}")
    }
}
