import Foundation
import HTTPTypes
import Hummingbird

/// The admin API's and the console's JSON answers: a value, or an error as
/// `{"code": "…", "error": "…"}` with its status.
public enum AdminResponse {
    /// `value` as JSON (keys sorted), status 200.
    public static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return body(.ok, try encoder.encode(value))
    }

    /// An error: `status`, a stable `code` and a sentence for people; `headers` added.
    public static func error(_ status: Int, code: String, _ message: String, headers: [String: String] = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: ["error": message, "code": code], options: [.sortedKeys])) ?? Data()
        var response = body(HTTPResponse.Status(code: status), data)
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }

    private static func body(_ status: HTTPResponse.Status, _ data: Data) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
