import FuzzDriver
import AcuhookConfig

// The YAML configuration loader on arbitrary text: it must never crash, and a file it refuses
// gets an error that names the file and says what is wrong; the same text always gives the same
// answer. Environment references resolve against a fixed environment.

let environment = ["ACUHOOK_SECRET": "s3cret", "ACUHOOK_ADMIN_TOKEN": "token-of-some-length"]

/// The property check for one input.
func checkConfiguration(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    let first = answer(text)
    let second = answer(text)
    guard second == first else { fatalError("two reads of the same text differ: \(first.debugDescription) then \(second.debugDescription)\ntext: \(text.debugDescription)") }
}

/// The error's description, or "ok" with the plugin paths it configured.
func answer(_ text: String) -> String {
    do {
        let configuration = try ConfigurationLoader.parse(yaml: text, file: "fuzz.yaml", baseDirectory: "/etc/acuhook", environment: environment)
        return "ok " + configuration.pluginHost.plugins.map(\.path).joined(separator: ",")
    } catch {
        guard error.description.hasPrefix("fuzz.yaml"), !error.message.isEmpty else {
            fatalError("an error without the file or a message: \(error.description.debugDescription)")
        }
        return error.description
    }
}
