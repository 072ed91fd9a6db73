import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// GETs `url` and returns its JSON object.
public func httpGet(_ url: String, token: String? = nil) async throws -> [String: Any] {
    var request = URLRequest(url: URL(string: url)!)
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    let (data, _) = try await URLSession.shared.data(for: request)
    return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
}

/// POSTs `body` to `url`; returns the status and the JSON object answered.
public func httpPost(_ url: String, body: String) async throws -> (Int, [String: Any]) {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = "POST"
    request.httpBody = Data(body.utf8)
    let (data, response) = try await URLSession.shared.data(for: request)
    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
    return (status, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
}
