"""An HTTP server on 127.0.0.1 in a thread, standing in for an outside service (a group robot,
an SMS provider) in tests: it hands each POST to ``record`` and answers what ``reply`` says.
Tests never reach a real host."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalHttpServer:
    """Subclasses keep what they need of each request and choose each answer."""

    def record(self, path: str, headers: dict, raw: bytes) -> None:
        raise NotImplementedError

    def reply(self) -> tuple[int, dict]:
        """(status, JSON body) of the answer to the request just recorded."""
        raise NotImplementedError

    def start(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                stand_in.record(self.path, dict(self.headers), self.rfile.read(length))
                status, answer = stand_in.reply()
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
