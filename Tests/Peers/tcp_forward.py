"""A TCP forwarder on a given loopback port: an endpoint that comes back after an outage.

    tcp_forward.py PORT UPSTREAM_HOST:UPSTREAM_PORT

Binds PORT (which refused connections until now), forwards every connection byte for byte to the upstream, so
requests signed for PORT reach it unchanged, prints one JSON line and serves until stdin closes.
"""

import json
import socket
import sys
import threading


def pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    try:
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(client, upstream):
    try:
        remote = socket.create_connection(upstream)
    except OSError:
        client.close()
        return
    back = threading.Thread(target=pump, args=(remote, client), daemon=True)
    back.start()
    pump(client, remote)
    back.join()
    client.close()
    remote.close()


def main():
    port = int(sys.argv[1])
    host, upstream_port = sys.argv[2].rsplit(":", 1)
    upstream = (host, int(upstream_port))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)

    def accept():
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(client, upstream), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    print(json.dumps({"endpoint": f"http://127.0.0.1:{port}"}), flush=True)
    sys.stdin.read()
    listener.close()


if __name__ == "__main__":
    main()
