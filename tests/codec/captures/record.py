"""Record IPP messages exchanged by real software, for the codec's capture tests (see README.md).

``python record.py proxy LISTEN_PORT TARGET_PORT OUT_DIR PREFIX`` runs an HTTP proxy on 127.0.0.1 that
forwards every POST to 127.0.0.1:TARGET_PORT and saves each HTTP body, de-chunked, as
``OUT_DIR/PREFIX-NN-request.bin`` and ``...-response.bin`` (the request body includes any document data).
``python record.py fetch PORT PATH OUT_FILE HEX`` POSTs the hex-encoded IPP request HEX and saves the
response body. Not imported by the tests; kept with the captures so that they can be made again.
"""

from __future__ import annotations

import http.client
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        parts: list[bytes] = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0], 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(parts)
            parts.append(handler.rfile.read(size))
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("Content-Length", 0)))


def proxy(listen_port: int, target_port: int, out_dir: Path, prefix: str) -> None:
    counter = iter(range(1, 1000))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            number = next(counter)
            body = _read_body(self)
            (out_dir / f"{prefix}-{number:02d}-request.bin").write_bytes(body)
            conn = http.client.HTTPConnection("127.0.0.1", target_port, timeout=30)
            conn.request("POST", self.path, body, {"Content-Type": "application/ipp"})
            answer = conn.getresponse()
            data = answer.read()
            conn.close()
            (out_dir / f"{prefix}-{number:02d}-response.bin").write_bytes(data)
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/ipp")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    ThreadingHTTPServer(("127.0.0.1", listen_port), Handler).serve_forever()


def fetch(port: int, path: str, out_file: Path, request_hex: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", path, bytes.fromhex(request_hex), {"Content-Type": "application/ipp"})
    out_file.write_bytes(conn.getresponse().read())


if __name__ == "__main__":
    if sys.argv[1] == "proxy":
        proxy(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), sys.argv[5])
    else:
        fetch(int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), sys.argv[5])
