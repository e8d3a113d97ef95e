/// A bad configuration value, naming the variable at fault so the operator knows what to fix.
struct SettingsError: Error, CustomStringConvertible, Equatable {
    let variable: String
    let message: String

    var description: String { "\(self.variable): \(self.message)" }
}
