"""A stand-in for a WeCom / DingTalk group robot: an HTTP server on 127.0.0.1 in a thread,
recording every post and answering what the test tells it to.  Never a real host."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Post:
    path: str
    headers: dict
    body: dict


@dataclass
class RobotServer:
    posts: list[Post] = field(default_factory=list)
    # Answers in order, (status, json body); the last one repeats.
    answers: list[tuple[int, dict]] = field(default_factory=lambda: [(200, {"errcode": 0})])

    def start(self) -> RobotServer:
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                robot.posts.append(Post(self.path, dict(self.headers), json.loads(raw or b"{}")))
                index = min(len(robot.posts) - 1, len(robot.answers) - 1)
                status, answer = robot.answers[index]
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
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
