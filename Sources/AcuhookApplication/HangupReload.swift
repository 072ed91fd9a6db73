import AcuhookPluginHost
import AcuhookServer
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads the plugins (as the configuration file now names them) and the TLS
/// certificates, telling systemd `RELOADING=1` and then `READY=1` with how it went. From its
/// start until graceful shutdown.
struct HangupReload: Service {
    let reload: @Sendable () async -> PluginReloadReport
    let certificates: [CertificateReloader]
    let systemd: SystemdNotifier
    let logger: Logger

    func run() async {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                logger.notice("SIGHUP: reloading the configuration's plugins and the TLS certificates")
                systemd.reloading()
                for tls in certificates { tls.reload(because: "SIGHUP") }
                let report = await reload()
                systemd.ready(status: report.applied ? "reloaded" : "reload failed; the previous plugins keep running")
            }
        }
    }
}
