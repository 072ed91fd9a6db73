import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `--admin` and `--token`: where a running `acuhook serve`'s admin listener is.
struct AdminClientOptions: ParsableArguments {
    @Option(help: "The admin listener's base URL.")
    var admin: String = "http://127.0.0.1:8081"

    @Option(help: "The admin token (default: $ACUHOOK_ADMIN_TOKEN).")
    var token: String?

    /// The token given, or the environment's.
    var resolvedToken: String? { token ?? ProcessInfo.processInfo.environment["ACUHOOK_ADMIN_TOKEN"] }

    /// A GET request for `path` with the token.
    func request(_ path: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: admin.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path)
        if let token = resolvedToken { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        return request
    }

    /// Explains a failed answer: the admin API's JSON error, or the status.
    static func failure(_ response: HTTPClientResponse, body: ByteBuffer) -> ValidationError {
        let message = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])?["error"] as? String
        return ValidationError("the admin API answered \(response.status.code)\(message.map { ": \($0)" } ?? "")")
    }
}

/// ANSI colours, only on a terminal and unless `NO_COLOR` is set.
struct Palette {
    let enabled: Bool

    init(fileDescriptor: Int32 = STDOUT_FILENO) {
        enabled = isatty(fileDescriptor) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    func green(_ text: String) -> String { paint(text, 32) }
    func yellow(_ text: String) -> String { paint(text, 33) }
    func red(_ text: String) -> String { paint(text, 31) }
    func dim(_ text: String) -> String { paint(text, 2) }
    func bold(_ text: String) -> String { paint(text, 1) }

    /// A breaker state in its colour.
    func breaker(_ state: String) -> String {
        switch state {
        case "closed", "disabled": green(state)
        case "half-open": yellow(state)
        default: red(state)
        }
    }

    private func paint(_ text: String, _ code: Int) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
}
