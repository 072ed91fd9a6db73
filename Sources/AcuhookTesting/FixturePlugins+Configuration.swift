import Foundation

extension FixturePlugins {
    /// Writes `acuhook.yaml` in `dir`: loopback on any port, the store in `data/`, source `erp`
    /// (hmac-sha256, secret `cli-secret`), then `rest` (more sections).
    /// `server` and `store` replace those sections when given.
    public static func writeConfiguration(
        in dir: URL, server: String = "server: {host: 127.0.0.1, port: 0}", store: String = "store: {path: data/inbox.db}", _ rest: String
    ) throws -> URL {
        let config = dir.appendingPathComponent("acuhook.yaml")
        try """
            \(server)
            \(store)
            sources:
              - name: erp
                auth: {scheme: hmac-sha256, secrets: [cli-secret]}

            """.appending(rest).write(to: config, atomically: true, encoding: .utf8)
        return config
    }
}

