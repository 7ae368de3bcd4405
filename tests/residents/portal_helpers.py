"""Helpers for the residents' side tests: sign a client in through the real pages, with the
SMS code caught on its way out."""

from __future__ import annotations

import io

from PIL import Image

from residents import messaging


class Outbox:
    """Catches the codes ``residents.messaging.send_code`` would send."""

    def __init__(self, monkeypatch):
        self.sent: list[tuple[str, str]] = []
        monkeypatch.setattr(
            messaging, "send_code", lambda phone, code: self.sent.append((phone, code))
        )

    def last_code(self, phone: str) -> str:
        return [code for p, code in self.sent if p == phone][-1]


def sign_in(client, outbox, phone: str, capture, *, next_url: str = "") -> None:
    with capture(execute=True):
        response = client.post("/r/sign-in/", {"phone": phone, "next": next_url})
    assert response.status_code == 302, response.content.decode()[:500]
    e164 = "+86" + phone.replace(" ", "")[-11:]
    response = client.post("/r/sign-in/code/", {"code": outbox.last_code(e164)})
    assert response.status_code == 302


def jpeg(size=(800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "JPEG")
    return buffer.getvalue()
