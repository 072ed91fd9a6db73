import AcuhookConfig
import AcuhookInbound
import Testing

@Suite struct ReceiverConfigurationTests {
    private func parse(_ yaml: String, environment: [String: String] = [:]) throws -> AcuhookSettings {
        try ConfigurationLoader.parse(yaml: yaml, file: "acuhook.yaml", baseDirectory: "/srv/acuhook", environment: environment)
    }

    private func failure(_ yaml: String, environment: [String: String] = [:]) -> ConfigurationError? {
        do {
            _ = try ConfigurationLoader.parse(yaml: yaml, file: "acuhook.yaml", baseDirectory: "/srv/acuhook", environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsEachListenersLimitsAndTLS() throws {
        let configuration = try parse(
            """
            server:
              limits:
                header_timeout: 5s
                body_timeout: 20s
                min_body_rate: 1000
                min_body_rate_grace: 2s
                idle_timeout: 30s
                tls_handshake_timeout: 3s
                max_connections_per_client: 10
                max_connections_per_proxy: 500
                max_connections: 2000
                backlog: 1024
                max_head_size: 8192
                max_header_fields: 50
            admin:
              tls: {certificate: admin.pem, key: admin-key.pem}
              limits: {max_connections: 8}
            sources:
              - name: erp
                auth: {scheme: bearer, secret: token-0123456789}
            """
        )
        let limits = configuration.server.limits
        #expect(limits.headerTimeout == .seconds(5) && limits.bodyTimeout == .seconds(20) && limits.idleTimeout == .seconds(30))
        #expect(limits.minBodyRate == 1000 && limits.minBodyRateGrace == .seconds(2) && limits.tlsHandshakeTimeout == .seconds(3))
        #expect(limits.maxConnectionsPerClient == 10 && limits.maxConnectionsPerProxy == 500 && limits.maxConnections == 2000)
        #expect(limits.backlog == 1024 && limits.maxHeadSize == 8192 && limits.maxHeaderFields == 50)
        #expect(configuration.admin.tlsCertificate == "/srv/acuhook/admin.pem" && configuration.admin.tlsKey == "/srv/acuhook/admin-key.pem")
        // The admin listener keeps its own defaults for what is not given.
        #expect(configuration.admin.limits.maxConnections == 8 && configuration.admin.limits.maxConnectionsPerClient == 16)
        // Unset, the total cap is derived at start from the open-file limit.
        #expect(try parse("sources: [{name: erp, auth: {scheme: bearer, secret: token-0123456789}}]").server.limits.maxConnections == nil)
    }

    @Test func refusesLimitsOutOfRange() {
        let source = "sources: [{name: erp, auth: {scheme: bearer, secret: token-0123456789}}]\n"
        #expect(failure(source + "server: {limits: {max_head_size: 100}}")?.description.contains("server.limits.max_head_size") == true)
        #expect(failure(source + "server: {limits: {header_timeout: 0s}}")?.description.contains("header_timeout") == true)
        #expect(failure(source + "server: {limits: {max_conections: 5}}")?.description.contains("max_conections") == true)
        #expect(failure(source + "admin: {tls: {certificate: a.pem}}")?.description.contains("needs both") == true)
    }

    @Test func readsServerStoreAndSources() throws {
        let configuration = try parse(
            """
            server:
              host: 0.0.0.0
              port: 9443
              max_body_size: 2097152
              trusted_proxies: [10.0.0.0/8, "::1"]
              tls: {certificate: tls/cert.pem, key: /etc/acuhook/key.pem}
              test_endpoint: {enabled: true, source: erp}
            store:
              path: data/inbox.db
              synchronous: normal
              idempotency_retention: 4d
              sweep_interval: 5m
              commit_delay: 2ms
            sources:
              - name: erp
                format: guide
                auth:
                  scheme: hmac-sha256
                  secrets: ["${ERP_SECRET}", old-secret]
                allow: [192.0.2.0/24]
                rate_limit: {requests_per_second: 50, burst: 100, per_client: {requests_per_second: 5}}
                max_body_size: 65536
              - name: push
                format: push-notification
                auth: {scheme: header-secret, header: CustomAuthorization, secret: s3cret}
                push_routes:
                  "Stock Items": {entity: StockItem, keys: [InventoryID]}
              - name: sw
                auth: {scheme: standard-webhooks, secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw], tolerance: 2m}
                event_type_field: event.type
                entity_id_field: event.id
              - name: open
                auth: {scheme: none}
            """,
            environment: ["ERP_SECRET": "from-env"]
        )
        let server = configuration.server
        #expect(server.host == "0.0.0.0" && server.port == 9443 && server.maxBodySize == 2_097_152)
        #expect(server.trustedProxies.map(\.description) == ["10.0.0.0/8", "::1"])
        #expect(server.tlsCertificate == "/srv/acuhook/tls/cert.pem" && server.tlsKey == "/etc/acuhook/key.pem")
        #expect(server.testEndpointEnabled && server.testEndpointSource == "erp")
        #expect(configuration.store.path == "/srv/acuhook/data/inbox.db" && configuration.store.synchronous == .normal)
        #expect(configuration.store.idempotencyRetention == .seconds(4 * 86_400) && configuration.store.sweepInterval == .seconds(300))
        #expect(configuration.store.commitDelay == .milliseconds(2))
        let erp = configuration.sources[0]
        #expect(erp.authentication == .hmacSHA256(header: "X-Acumatica-Signature", secrets: ["from-env", "old-secret"]))
        #expect(erp.normalizer.format == .guide && erp.allow.map(\.description) == ["192.0.2.0/24"] && erp.maxBodySize == 65_536)
        #expect(erp.rateLimit == RateLimit(requestsPerSecond: 50, burst: 100))
        #expect(erp.perClientRateLimit == RateLimit(requestsPerSecond: 5, burst: 5))
        let push = configuration.sources[1]
        #expect(push.authentication == .headerSecret(header: "CustomAuthorization", values: ["s3cret"]))
        #expect(push.normalizer.pushRoutes["Stock Items"] == PushRoute(entity: "StockItem", keyColumns: ["InventoryID"]))
        #expect(configuration.sources[2].authentication == .standardWebhooks(secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], tolerance: .seconds(120)))
        #expect(configuration.sources[2].normalizer.eventTypeField == "event.type")
        #expect(configuration.sources[3].authentication == .none)
    }

    @Test func defaultsForTheReceiver() throws {
        let configuration = try parse("")
        #expect(configuration.server == ServerSettings())
        #expect(configuration.server.host == "127.0.0.1" && configuration.server.port == 8080 && configuration.server.maxBodySize == 1 << 20)
        #expect(configuration.store.path == "/srv/acuhook/acuhook-data/acuhook.db")
        #expect(configuration.store.idempotencyRetention == .seconds(3 * 86_400))
        #expect(configuration.store.commitDelay == .microseconds(500))
        #expect(try parse("store: {commit_delay: 0s}").store.commitDelay == .zero)
        #expect(failure("store: {commit_delay: 1s}")?.message.contains("at most 50ms") == true)
        #expect(failure("store: {commit_delay: -1ms}")?.message.contains("non-negative duration") == true)
    }

    @Test func authenticationFailsClosed() throws {
        #expect(failure("sources:\n  - name: a\n    auth: {scheme: hmac-sha512, secret: x}\n")?.message.contains("unknown scheme 'hmac-sha512'") == true)
        #expect(failure("sources:\n  - name: a\n    auth: {scheme: hmac-sha256}\n")?.message.contains("needs at least one secret") == true)
        #expect(failure("sources:\n  - name: a\n    auth: {scheme: hmac-sha256, secrets: ['']}\n")?.message.contains("secret 1 is empty") == true)
        #expect(failure("sources:\n  - name: a\n")?.message.contains("missing key 'auth'") == true)
        #expect(failure("sources:\n  - name: a\n    auth: {scheme: header-secret, secret: x}\n")?.message.contains("needs 'header'") == true)
        #expect(failure("sources:\n  - name: a\n    auth: {scheme: standard-webhooks, secret: 'whsec_***'}\n")?.message.contains("whsec_") == true)
        #expect(failure("sources:\n  - name: a\n    auth: {scheme: basic, secret: nocolon}\n")?.message.contains("user:password") == true)
        let unset = failure("sources:\n  - name: a\n    auth: {scheme: bearer, secret: '${MISSING_TOKEN}'}\n")
        #expect(unset?.message == "environment variable MISSING_TOKEN is not set")
        #expect(unset?.key == "sources[0].auth.secret")
    }

    @Test func sourceNamesAndReferencesAreChecked() {
        #expect(failure("sources:\n  - name: test\n    auth: {scheme: none}\n")?.message.contains("reserved") == true)
        #expect(failure("sources:\n  - name: a/b\n    auth: {scheme: none}\n")?.message.contains("URL path segment") == true)
        #expect(failure("sources:\n  - name: a\n    auth: {scheme: none}\n  - name: a\n    auth: {scheme: none}\n")?.message.contains("defined twice") == true)
        #expect(failure("server:\n  test_endpoint: {enabled: true, source: ghost}\n")?.key == "server.test_endpoint.source")
        #expect(failure("sources:\n  - name: a\n    auth: {scheme: none}\n    allow: [not-an-ip]\n")?.message.contains("CIDR") == true)
        #expect(failure("sources:\n  - name: a\n    auth: {scheme: none}\n    format: xml\n")?.message.contains("expected one of auto, guide") == true)
    }

    @Test func theGuideFormatIsCalledGuideAndItsWorkingNameSeedIsRefused() throws {
        let configuration = try parse("sources:\n  - name: a\n    auth: {scheme: none}\n    format: guide\n")
        #expect(configuration.sources.first?.normalizer.format == .guide)
        #expect(failure("sources:\n  - name: a\n    auth: {scheme: none}\n    format: seed\n")?.message.contains("found 'seed'") == true)
    }
}

@Suite struct DispatchConfigurationTests {
    @Test func readsDispatchRetryAndFilters() throws {
        let configuration = try ConfigurationLoader.parse(
            yaml: """
                dispatch:
                  retry: {base_delay: 2s, factor: 3, max_delay: 1m, max_attempts: 4, jitter: decorrelated}
                  lease: 2m
                  idle_poll: 100ms
                plugins:
                  - path: /p/libA.so
                    retry: {max_attempts: 2}
                    filter: 'data.Status == "Active"'
                  - path: /p/libB.so
                    filter: {any: ["data.OrderTotal >= 1000", {not: "exists data.Hold"}]}
                  - path: /p/libC.so
                    filter: ["exists data.A", "data.B < 3"]
                """,
            file: "acuhook.yaml",
            baseDirectory: "/"
        )
        let retry = configuration.dispatch.retry
        #expect(retry.baseDelay == .seconds(2) && retry.factor == 3 && retry.maxDelay == .seconds(60) && retry.maxAttempts == 4 && retry.jitter == .decorrelated)
        #expect(configuration.dispatch.lease == .seconds(120) && configuration.dispatch.idlePoll == .milliseconds(100))
        let plugins = configuration.pluginHost.plugins
        #expect(plugins[0].retry?.maxAttempts == 2 && plugins[0].filter?.description == #"data.Status == "Active""#)
        #expect(plugins[1].filter?.description == "any(data.OrderTotal >= 1000, not(exists data.Hold))")
        #expect(plugins[2].filter?.description == "all(exists data.A, data.B < 3)")
    }

    @Test func badFiltersNameTheKey() {
        do {
            _ = try ConfigurationLoader.parse(yaml: "plugins:\n  - path: /p/libA.so\n    filter: data.Total => 5\n", file: "acuhook.yaml", baseDirectory: "/")
            Issue.record("expected an error")
        } catch {
            #expect(error.key == "plugins[0].filter")
            #expect(error.message.contains("expected an operator"))
        }
    }
}

@Suite struct AdminConfigurationTests {
    func parse(_ yaml: String, environment: [String: String] = [:]) throws(ConfigurationError) -> AcuhookSettings {
        try ConfigurationLoader.parse(yaml: yaml, file: "acuhook.yaml", baseDirectory: "/etc/acuhook", environment: environment)
    }

    @Test func defaultsToLoopbackWithoutAToken() throws {
        let configuration = try parse("sources: []")
        #expect(configuration.admin.enabled)
        #expect(configuration.admin.host == "127.0.0.1")
        #expect(configuration.admin.resolvedPort(serverPort: 8080) == 8081)
        #expect(configuration.admin.resolvedPort(serverPort: 0) == 0)
        #expect(configuration.admin.token == nil)
    }

    @Test func failsClosedWhenBoundElsewhereWithoutAToken() throws {
        #expect(throws: ConfigurationError.self) { try parse("admin: {host: 0.0.0.0}") }
        do {
            _ = try parse("admin: {host: 0.0.0.0}")
        } catch {
            #expect(error.description.contains("needs a 'token'"))
        }
        let configuration = try parse("admin: {host: 0.0.0.0, port: 9000, token: '${ADMIN_TOKEN}'}", environment: ["ADMIN_TOKEN": "s3cret-s3cret-s3cret"])
        #expect(configuration.admin.token == "s3cret-s3cret-s3cret")
        #expect(configuration.admin.resolvedPort(serverPort: 8080) == 9000)
        #expect(throws: ConfigurationError.self) { try parse("admin: {token: short}") }
        #expect(try parse("admin: {enabled: false, host: 0.0.0.0}").admin.enabled == false)
        #expect(try parse("admin: {host: '::1'}").admin.token == nil)
    }
}
