import AWSConfig
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
