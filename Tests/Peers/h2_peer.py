"""An HTTPS server that speaks HTTP/2 (ALPN h2, falling back to HTTP/1.1), for the HTTPClient tests: proves
the client negotiates HTTP/2 and multiplexes requests over one connection. Loopback only, with a self-signed
certificate made at start (its path is printed, for the client to trust). Prints one JSON line; stops when
stdin closes.

  GET /version   {"http_version": "2" | "1.1", "connection": N}  (N counts connections the server accepted)
  GET /barrier?n=N&key=K   answered (200, with the same fields) once N requests with key K are here at the same time;
                 504 after ms=10000: proves a client really has that many requests in flight at once
"""

import asyncio
import datetime
import ipaddress
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypercorn.asyncio import serve
from hypercorn.config import Config

CONNECTIONS = {}  # id(transport-level connection) -> index
BARRIERS = {}  # key -> (requests arrived, Event set once enough have)


def make_certificate(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                               x509.DNSName("localhost")]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as out:
        out.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as out:
        out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    return cert_path, key_path


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    peer = tuple(scope.get("client") or ("", 0))
    index = CONNECTIONS.setdefault(peer, len(CONNECTIONS) + 1)
    status = 200
    if scope["path"] == "/barrier":
        query = dict(urllib.parse.parse_qsl(scope["query_string"].decode()))
        wanted, key = int(query.get("n", "2")), query.get("key", "")
        arrived, event = BARRIERS.get(key) or (0, asyncio.Event())
        BARRIERS[key] = (arrived + 1, event)
        if arrived + 1 >= wanted:
            event.set()
        try:
            await asyncio.wait_for(event.wait(), int(query.get("ms", "10000")) / 1000)
        except asyncio.TimeoutError:
            status = 504
    body = json.dumps({"http_version": scope["http_version"], "connection": index, "path": scope["path"]}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def main():
    directory = tempfile.mkdtemp(prefix="h2-peer-")
    cert_path, key_path = make_certificate(directory)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    config = Config()
    config.bind = [f"fd://{listener.fileno()}"]
    config.certfile, config.keyfile = cert_path, key_path
    config.alpn_protocols = ["h2", "http/1.1"]
    config.loglevel = "WARNING"
    config.keep_alive_timeout = 600  # a starved test machine can leave the connection idle for a while
    config.accesslog = None
    shutdown = asyncio.Event()

    async def run():
        loop = asyncio.get_running_loop()
        threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(shutdown.set)), daemon=True).start()
        print(json.dumps({"endpoint": f"https://127.0.0.1:{listener.getsockname()[1]}", "ca": cert_path}), flush=True)
        await serve(app, config, shutdown_trigger=shutdown.wait)

    try:
        asyncio.run(run())
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
