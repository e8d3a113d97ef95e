import AWSConfig
import Gateway
import HTTPClient
import Inference
import Logging
import Testing

@testable import Server

@Suite("Settings from the environment")
struct SettingsTests {
    @Test func defaults() throws {
        let settings = try Settings.from(environment: [:])
        #expect(settings.host == "0.0.0.0")
        #expect(settings.port == 5001)
        #expect(settings.logLevel == .info)
        #expect(settings.shutdownGrace == .seconds(25))
        #expect(settings.idleTimeout > .seconds(60))  // longer than the ALB's idle timeout
        #expect(settings.drainDelay == .zero)
    }

    @Test func valuesAreRead() throws {
        let settings = try Settings.from(environment: [
            "HOST": "127.0.0.1", "ML_SERVER_PORT": "8080", "PORT": "9999", "LOG_LEVEL": "WARN",
            "SHUTDOWN_GRACE_SECONDS": "2.5", "IDLE_TIMEOUT_SECONDS": "120", "DRAIN_DELAY_SECONDS": "3",
        ])
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8080)  // ML_SERVER_PORT wins over PORT
        #expect(settings.logLevel == .warning)
        #expect(settings.shutdownGrace == .milliseconds(2500))
        #expect(settings.idleTimeout == .seconds(120))
        #expect(settings.drainDelay == .seconds(3))
        #expect(try Settings.from(environment: ["PORT": "7000"]).port == 7000)
    }

    @Test(arguments: [
        ("ML_SERVER_PORT", "abc"), ("ML_SERVER_PORT", "1.5"), ("ML_SERVER_PORT", "70000"), ("PORT", "-1"),
        ("LOG_LEVEL", "loud"), ("SHUTDOWN_GRACE_SECONDS", "soon"), ("SHUTDOWN_GRACE_SECONDS", "-1"),
        ("IDLE_TIMEOUT_SECONDS", "0"), ("DRAIN_DELAY_SECONDS", "nan"),
    ])
    func badValuesNameTheVariable(variable: String, value: String) {
        #expect {
            _ = try Settings.from(environment: [variable: value])
        } throws: { error in
            let error = error as! SettingsError
            return error.variable == variable && error.description.hasPrefix(variable) && error.description.contains(value)
        }
    }

    @Test func modelSettings() throws {
        let settings = try Settings.from(environment: [
            "MODEL_DIR": "/srv/models", "EMBEDDING_MODEL": "mini@2", "USE_8BIT_QUANTIZATION": "true", "ML_NUM_THREADS": "2",
            "MAX_CLIENT_BATCH_SIZE": "64", "MAX_BATCH_TOKENS": "1024", "BATCH_WINDOW_MS": "2.5", "MAX_CONCURRENT_REQUESTS": "10",
            "SIMILARITY_THRESHOLD": "0.8", "ML_THREAD_SPINNING": "false",
        ])
        #expect(settings.modelDirectory == "/srv/models")
        #expect(settings.embeddingModel == "mini@2")
        #expect(settings.useInt8 && !settings.threadSpinning)
        #expect(settings.batchWindow == .microseconds(2500))
        #expect(settings.maxBatchTokens == 1024 && settings.maxClientBatchSize == 64 && settings.maxConcurrentRequests == 10)
        #expect(settings.similarityThreshold == 0.8)
        #expect(settings.requiredModels == ["EMBEDDING_MODEL"])
        #expect(try Settings.from(environment: ["EMBEDDING_MODEL": ""]).requiredModels.isEmpty)
        #expect(try Settings.from(environment: ["EMBEDDING_MODEL": ""]).embeddingModel == nil)
    }

    @Test(arguments: [
        ["EMBEDDING_MODEL": "../etc"], ["EMBEDDING_MODEL": "a/b"], ["REQUIRED_MODELS": "CLASSIFIER"],
        ["REQUIRED_MODELS": "EMBEDDING_MODEL", "EMBEDDING_MODEL": ""], ["SIMILARITY_THRESHOLD": "2"], ["BATCH_WINDOW_MS": "-1"],
    ])
    func badModelSettingsNameTheVariable(environment: [String: String]) {
        #expect {
            _ = try Settings.from(environment: environment)
        } throws: { error in
            let error = error as! SettingsError
            return environment.keys.contains(error.variable)
        }
    }

    @Test func analysisSettings() throws {
        let settings = try Settings.from(environment: [
            "CLASSIFIER_MODEL": "nli", "FAST_CLASSIFIER_MODEL": "fast", "TOXICITY_MODEL": "tox", "CROSS_ENCODER_MODEL": "ce",
            "USE_CASCADE_CLASSIFIER": "true", "CASCADE_CONFIDENCE_THRESHOLD": "0.6", "TOXICITY_THRESHOLD": "0.7",
            "TOXICITY_NEUTRAL_LABELS": "OK, fine", "RERANK_LOW": "0.4", "RERANK_HIGH": "0.9", "CROSS_ENCODER_THRESHOLD": "0.3",
            "DEFAULT_LABELS": #"{"outage": "a power outage", "leak": ""}"#, "HYPOTHESIS_TEMPLATE": "It is about {}.",
            "RISK_WEIGHTS": "category=1, urgency=2", "RISK_CATEGORY_WEIGHTS": "outage=0.7", "RISK_SEVERITY_SCORES": "minor=0.1,major=0.9",
            "RISK_URGENCY_CUES": "Now, right away", "RISK_URGENCY_SATURATION": "1", "RISK_LEVEL_THRESHOLDS": "0.2,0.4,0.6",
            "REQUIRED_MODELS": "CLASSIFIER_MODEL",
        ])
        #expect(
            settings.models == [.embedding: "all-MiniLM-L6-v2", .classifier: "nli", .fastClassifier: "fast", .toxicity: "tox", .crossEncoder: "ce"]
        )
        #expect(settings.requiredModels == ["CLASSIFIER_MODEL"])
        let analysis = settings.analysis
        #expect(analysis.zeroShot.useCascade && analysis.zeroShot.cascadeThreshold == 0.6)
        #expect(analysis.zeroShot.defaultLabels == [ZeroShotLabel("outage", description: "a power outage"), ZeroShotLabel("leak")])
        #expect(analysis.zeroShot.hypothesisTemplate == "It is about {}.")
        #expect(analysis.toxicity.threshold == 0.7 && analysis.toxicity.neutralLabels == ["ok", "fine"])
        #expect(analysis.rerankLow == 0.4 && analysis.rerankHigh == 0.9 && analysis.crossEncoderThreshold == 0.3)
        #expect(analysis.risk.weights == RiskConfiguration.Weights(category: 1, severity: 0.30, toxicity: 0.10, urgency: 2))
        #expect(analysis.risk.categoryWeights == ["outage": 0.7])
        #expect(analysis.risk.severityScores.map(\.name) == ["minor", "major"] && analysis.risk.severity("MAJOR") == 0.9)
        #expect(analysis.risk.urgencyCues == ["now", "right away"] && analysis.risk.urgencySaturation == 1)
        #expect(analysis.risk.levelThresholds == [0.2, 0.4, 0.6])
        // By default every configured model is required; a plain list of default labels has no descriptions.
        let defaults = try Settings.from(environment: ["TOXICITY_MODEL": "tox", "DEFAULT_LABELS": "a, b"])
        #expect(defaults.requiredModels == ["EMBEDDING_MODEL", "TOXICITY_MODEL"])
        #expect(defaults.analysis.zeroShot.defaultLabels == [ZeroShotLabel("a"), ZeroShotLabel("b")])
        #expect(try Settings.from(environment: ["DEFAULT_LABELS": ""]).analysis.zeroShot.defaultLabels.isEmpty)
    }

    @Test(arguments: [
        (["USE_CASCADE_CLASSIFIER": "true", "CLASSIFIER_MODEL": "nli"], "FAST_CLASSIFIER_MODEL"),
        (["USE_CASCADE_CLASSIFIER": "true", "FAST_CLASSIFIER_MODEL": "fast"], "CLASSIFIER_MODEL"),
        (["RERANK_LOW": "0.9", "RERANK_HIGH": "0.5"], "RERANK_HIGH"),
        (["CASCADE_CONFIDENCE_THRESHOLD": "1.5"], "CASCADE_CONFIDENCE_THRESHOLD"),
        (["TOXICITY_MODEL": "a b"], "TOXICITY_MODEL"),
        (["REQUIRED_MODELS": "TOXICITY_MODEL"], "REQUIRED_MODELS"),
        (["RISK_WEIGHTS": "danger=1"], "RISK_WEIGHTS"),
        (["RISK_WEIGHTS": "category"], "RISK_WEIGHTS"),
        (["RISK_CATEGORY_WEIGHTS": "fire=2"], "RISK_CATEGORY_WEIGHTS"),
        (["RISK_LEVEL_THRESHOLDS": "0.5,0.4,0.6"], "RISK_LEVEL_THRESHOLDS"),
        (["RISK_LEVEL_THRESHOLDS": "0.5"], "RISK_LEVEL_THRESHOLDS"),
        (["DEFAULT_LABELS": "{not json"], "DEFAULT_LABELS"),
        (["HYPOTHESIS_TEMPLATE": "no placeholder"], "HYPOTHESIS_TEMPLATE"),
        (["MAX_LABELS": "2"], "DEFAULT_LABELS"),
        (["TOXICITY_THRESHOLD": "-0.1"], "TOXICITY_THRESHOLD"),
    ])
    func badAnalysisSettingsNameTheVariable(environment: [String: String], variable: String) {
        #expect { _ = try Settings.from(environment: environment) } throws: { ($0 as? SettingsError)?.variable == variable }
    }

    @Test func gatewaySettings() throws {
        #expect(try Settings.from(environment: [:]).gateway.providers.isEmpty)
        let settings = try Settings.from(environment: [
            "OPENAI_API_KEY": "sk-o", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "GEMINI_API_KEY": "g-key",
            "ANTHROPIC_API_KEY": "", "AZURE_INFERENCE_CREDENTIAL": "az", "AZURE_INFERENCE_ENDPOINT": "https://r.services.ai.azure.com/models",
            "AZURE_API_VERSION": "2025-01-01", "GATEWAY_MAX_ATTEMPTS": "5", "GATEWAY_RETRY_BASE_MS": "100", "GATEWAY_RETRY_BUDGET_SECONDS": "12",
            "GATEWAY_MAX_RETRY_AFTER_SECONDS": "3", "GATEWAY_CONNECT_TIMEOUT_SECONDS": "2.5", "GATEWAY_FIRST_BYTE_TIMEOUT_SECONDS": "30",
            "GATEWAY_IDLE_TIMEOUT_SECONDS": "15", "GATEWAY_TIMEOUT_SECONDS": "90", "GATEWAY_MAX_CONCURRENT_STREAMS": "7",
            "ANTHROPIC_DEFAULT_MAX_TOKENS": "1000", "GATEWAY_STREAM_KEEPALIVE_SECONDS": "2.5",
        ]).gateway
        // An empty key leaves its provider off; GEMINI_API_KEY stands in for GOOGLE_API_KEY.
        #expect(settings.enabledProviders == ["openai", "gemini", "azure"])
        #expect(
            settings.providers.map(\.baseURL) == [
                "http://127.0.0.1:9/v1", "https://generativelanguage.googleapis.com", "https://r.services.ai.azure.com/models",
            ]
        )
        #expect(settings.providers.last?.apiVersion == "2025-01-01")
        let configuration = settings.configuration
        #expect(configuration.maxAttempts == 5 && configuration.retryBase == .milliseconds(100) && configuration.retryBudget == .seconds(12))
        #expect(
            configuration.maxRetryAfter == .seconds(3) && configuration.maxConcurrentStreams == 7 && configuration.anthropicDefaultMaxTokens == 1000
        )
        #expect(configuration.timeouts.connect == .milliseconds(2500) && configuration.timeouts.firstByte == .seconds(30))
        #expect(configuration.timeouts.idle == .seconds(15) && configuration.timeouts.total == .seconds(90))
        #expect(configuration.streamKeepAlive == .milliseconds(2500))
        // Every 15 s by default; 0 turns keep-alives off.
        #expect(try Settings.from(environment: [:]).gateway.configuration.streamKeepAlive == .seconds(15))
        #expect(try Settings.from(environment: ["GATEWAY_STREAM_KEEPALIVE_SECONDS": "0"]).gateway.configuration.streamKeepAlive == nil)
    }

    @Test(arguments: [
        (["AZURE_INFERENCE_CREDENTIAL": "az"], "AZURE_INFERENCE_ENDPOINT"),
        (["AZURE_INFERENCE_ENDPOINT": "https://r.services.ai.azure.com/models"], "AZURE_INFERENCE_CREDENTIAL"),
        (["OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "ftp://x"], "OPENAI_BASE_URL"),
        (["XAI_API_KEY": "k", "XAI_BASE_URL": "not a url"], "XAI_BASE_URL"),
        (["GATEWAY_MAX_ATTEMPTS": "0"], "GATEWAY_MAX_ATTEMPTS"),
        (["GATEWAY_TIMEOUT_SECONDS": "soon"], "GATEWAY_TIMEOUT_SECONDS"),
        (["GATEWAY_MAX_CONCURRENT_STREAMS": "-1"], "GATEWAY_MAX_CONCURRENT_STREAMS"),
        (["GATEWAY_STREAM_KEEPALIVE_SECONDS": "-1"], "GATEWAY_STREAM_KEEPALIVE_SECONDS"),
        (["MODEL_ROUTES_FILE": "/nonexistent/routes.yaml"], "MODEL_ROUTES_FILE"),
        (["MODEL_ROUTES": "models: {fast: {deployments: []}}", "MODEL_ROUTES_FILE": "/etc/hostname"], "MODEL_ROUTES"),
        (["MODEL_ROUTES": "models: [not, a, map]"], "MODEL_ROUTES"),
    ])
    func badGatewaySettingsNameTheVariable(environment: [String: String], variable: String) {
        #expect { _ = try Settings.from(environment: environment) } throws: { ($0 as? SettingsError)?.variable == variable }
    }

    /// Routes given inline (how they come from SSM) work as a file's do; their errors name `MODEL_ROUTES` and the
    /// entry at fault, with no file path to name.
    @Test func inlineRoutes() throws {
        let routes = """
            providers:
              openai-team: {kind: openai, api_key_env: OPENAI_API_KEY_TEAM}
            models:
              house-chat: {deployments: [{provider: openai-team, model: gpt-4o-mini}]}
            """
        let settings = try Settings.from(environment: ["MODEL_ROUTES": routes, "OPENAI_API_KEY_TEAM": "team-key"]).gateway
        #expect(settings.enabledProviders == ["openai-team"])
        #expect(try settings.makeRouter().plan(for: "house-chat").map { "\($0.provider.name)/\($0.model)" } == ["openai-team/gpt-4o-mini"])
        let missingKey = ["MODEL_ROUTES": routes]
        #expect { _ = try Settings.from(environment: missingKey) } throws: { error in
            guard let error = error as? SettingsError else { return false }
            return error.variable == "MODEL_ROUTES" && error.message.hasPrefix("providers.openai-team")
                && error.message.contains("OPENAI_API_KEY_TEAM")
        }
    }

    @Test func ssmSettings() throws {
        #expect(try SSMSettings.from(environment: [:]).loader == nil)
        let settings = try SSMSettings.from(environment: [
            "SSM_PARAMETER_PATH": "/humansa/production/", "SSM_ENV_NAMING": "relative", "SSM_OVERWRITE_ENV": "true",
            "SSM_MAX_ATTEMPTS": "5", "SSM_OPTIONAL": "yes",
        ])
        #expect(settings.loader == SSMLoaderConfiguration(path: "/humansa/production/", naming: .relative, overwrite: true, maxAttempts: 5))
        #expect(settings.optional)
        #expect(try SSMSettings.from(environment: ["SSM_PARAMETER_PATH": "/a"], pathOverride: "/b").loader?.path == "/b")
    }

    @Test(arguments: [
        ("SSM_PARAMETER_PATH", "no-leading-slash"), ("SSM_PARAMETER_PATH", "/has space/"), ("SSM_ENV_NAMING", "flat"),
        ("SSM_OVERWRITE_ENV", "maybe"), ("SSM_MAX_ATTEMPTS", "0"), ("SSM_OPTIONAL", "2"),
    ])
    func badSSMValuesNameTheVariable(variable: String, value: String) {
        var environment = ["SSM_PARAMETER_PATH": "/ok/"]
        environment[variable] = value
        #expect { _ = try SSMSettings.from(environment: environment) } throws: { ($0 as? SettingsError)?.variable == variable }
    }
}
