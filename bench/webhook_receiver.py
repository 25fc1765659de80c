"""A webhook receiver for ``bench.webhookpost``: answers 204 to every POST, as fast as it can.

Run: ``python -m bench.webhook_receiver PORT``
"""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Accept(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:  # readiness
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), _Accept)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
