/// `${NAME}` in settings: replaced by the environment variable NAME (secrets and URLs kept out of files).
public enum EnvironmentText {
    /// A `${NAME}` whose variable is not set.
    public struct Missing: Error, Sendable {
        /// The variable's name.
        public var name: String
    }

    /// `text` with every `${NAME}` replaced, or the first variable that is not set.
    public static func expand(_ text: String, environment: [String: String]) -> Result<String, Missing> {
        var text = text
        while let start = text.range(of: "${"), let end = text.range(of: "}", range: start.upperBound..<text.endIndex) {
            let name = String(text[start.upperBound..<end.lowerBound])
            guard let value = environment[name] else { return .failure(Missing(name: name)) }
            text.replaceSubrange(start.lowerBound..<end.upperBound, with: value)
        }
        return .success(text)
    }
}
