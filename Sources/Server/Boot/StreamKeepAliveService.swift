import Gateway
import ServiceLifecycle

/// Runs the gateway's stream keep-alive loop. Listed before the server, so that it stops only after the server has
/// finished its in-flight requests: streams still draining at shutdown keep their keep-alives.
struct StreamKeepAliveService: Service {
    let keepAlive: StreamKeepAlive

    func run() async {
        await cancelWhenGracefulShutdown {
            await self.keepAlive.run()
        }
    }
}
