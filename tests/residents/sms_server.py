"""A stand-in SMS provider on 127.0.0.1, recording each request (path, headers, raw body)
and answering what the test says.  Never a real host."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.local_http import LocalHttpServer


@dataclass
class Request:
    path: str
    headers: dict
    body: bytes


@dataclass
class SmsServer(LocalHttpServer):
    requests: list[Request] = field(default_factory=list)
    answer: tuple[int, dict] = (200, {})

    def record(self, path, headers, raw) -> None:
        self.requests.append(Request(path, headers, raw))

    def reply(self) -> tuple[int, dict]:
        return self.answer

    @property
    def url(self) -> str:
        return self.address + "/"
