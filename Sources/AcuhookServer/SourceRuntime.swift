import AcuhookInbound

/// One source, ready to receive: its checks built once at start-up.
struct SourceRuntime: Sendable {
    let settings: SourceSettings
    let authenticator: any DeliveryAuthenticator
    let normalizer: DeliveryNormalizer
    let allowList: IPAllowList
    let rateLimiter: RateLimiter<ContinuousClock>?
    let maxBodySize: Int

    init(settings: SourceSettings, defaultMaxBodySize: Int) throws {
        self.settings = settings
        self.authenticator = try settings.authentication.makeAuthenticator()
        self.normalizer = DeliveryNormalizer(configuration: settings.normalizer)
        self.allowList = IPAllowList(settings.allow)
        if settings.rateLimit != nil || settings.perClientRateLimit != nil {
            rateLimiter = RateLimiter(perSource: settings.rateLimit, perClient: settings.perClientRateLimit, clock: ContinuousClock())
        } else {
            rateLimiter = nil
        }
        self.maxBodySize = settings.maxBodySize ?? defaultMaxBodySize
    }
}
