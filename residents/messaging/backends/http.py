"""A generic HTTP SMS gateway: a JSON POST with a bearer token.

The request is ``{"to": "+86…", "text": "…", "event": "resolved", "reference": "42",
"template": "", "params": {…}}`` to ``SMS_GATEWAY_URL`` with ``Authorization: Bearer
SMS_GATEWAY_TOKEN``; any 2xx answer is success, and a JSON answer's ``id`` (if any) is kept.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from . import DeliveryError, Outgoing, SmsBackend, setting


def post_json(url: str, body: bytes, headers: dict, *, timeout: float) -> tuple[int, bytes]:
    """POST and return (status, body); raise DeliveryError on network failure or non-2xx."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError("the gateway address must start with http:// or https://")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read(100_000)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DeliveryError(str(getattr(exc, "reason", exc))) from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")
    return status, raw


def read_json(raw: bytes) -> dict:
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise DeliveryError("the answer is not JSON") from exc
    return answer if isinstance(answer, dict) else {}


class HttpGatewayBackend(SmsBackend):
    def __init__(self, url: str | None = None, token: str | None = None, timeout=None):
        self.url = url if url is not None else setting("SMS_GATEWAY_URL")
        self.token = token if token is not None else setting("SMS_GATEWAY_TOKEN")
        self.timeout = timeout or setting("SMS_TIMEOUT", 5)

    def send(self, message: Outgoing) -> str:
        if not self.url:
            raise DeliveryError("SMS_GATEWAY_URL is not set")
        body = json.dumps(
            {
                "to": message.phone,
                "text": message.text,
                "event": message.event,
                "language": message.language,
                "reference": message.reference,
                "template": message.template,
                "params": message.params,
            },
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        _status, raw = post_json(self.url, body, headers, timeout=self.timeout)
        if not raw.strip():
            return ""
        return str(read_json(raw).get("id", ""))[:100]
