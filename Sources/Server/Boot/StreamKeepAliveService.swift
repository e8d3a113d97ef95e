import Gateway
import ServiceLifecycle

/// Runs the gateway's stream keep-alive loop (nothing when keep-alives are off). Listed before the server, so that
/// it stops only after the server has finished its in-flight requests: streams still draining keep their keep-alives.
struct StreamKeepAliveService: Service {
    let keepAlive: StreamKeepAlive?

    func run() async {
        guard let keepAlive = self.keepAlive else { return }
        await cancelWhenGracefulShutdown {
            await keepAlive.run()
        }
    }
}
