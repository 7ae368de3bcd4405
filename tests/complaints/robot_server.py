"""A stand-in for a WeCom / DingTalk group robot on 127.0.0.1, recording every post (its
JSON body decoded) and answering what the test tells it to.  Never a real host."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tests.local_http import LocalHttpServer


@dataclass
class Post:
    path: str
    headers: dict
    body: dict


@dataclass
class RobotServer(LocalHttpServer):
    posts: list[Post] = field(default_factory=list)
    # Answers in order, (status, json body); the last one repeats.
    answers: list[tuple[int, dict]] = field(default_factory=lambda: [(200, {"errcode": 0})])

    def record(self, path, headers, raw) -> None:
        self.posts.append(Post(path, headers, json.loads(raw or b"{}")))

    def reply(self) -> tuple[int, dict]:
        return self.answers[min(len(self.posts) - 1, len(self.answers) - 1)]

    @property
    def url(self) -> str:
        return self.address
