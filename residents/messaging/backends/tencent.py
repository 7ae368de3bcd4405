"""Tencent Cloud SMS: ``SendSms`` of API 3.0 (version 2021-01-11), signed with
TC3-HMAC-SHA256.

Configured by ``TENCENT_SMS_SECRET_ID``, ``TENCENT_SMS_SECRET_KEY``,
``TENCENT_SMS_SDK_APP_ID``, ``TENCENT_SMS_SIGN_NAME``, and optionally
``TENCENT_SMS_REGION`` and ``TENCENT_SMS_ENDPOINT``.  Tencent only sends approved templates,
whose values are numbered ({1}, {2} …): each message template in the admin carries the
template id and the names of its values in that order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.parse

from . import DeliveryError, Outgoing, SmsBackend, setting
from .http import post_json, read_json

API_VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def authorization(
    *, secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int
) -> str:
    """The ``Authorization`` header of a JSON POST to ``/`` (content-type and host signed)."""
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",  # no query string
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            _sha256_hex(payload),
        ]
    )
    scope = f"{date}/{SERVICE}/tc3_request"
    to_sign = "\n".join([ALGORITHM, str(timestamp), scope, _sha256_hex(canonical_request.encode())])
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), SERVICE), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


class TencentBackend(SmsBackend):
    def __init__(self, **overrides):
        self.secret_id = overrides.get("secret_id", setting("TENCENT_SMS_SECRET_ID"))
        self.secret_key = overrides.get("secret_key", setting("TENCENT_SMS_SECRET_KEY"))
        self.app_id = overrides.get("app_id", setting("TENCENT_SMS_SDK_APP_ID"))
        self.sign_name = overrides.get("sign_name", setting("TENCENT_SMS_SIGN_NAME"))
        self.region = overrides.get("region", setting("TENCENT_SMS_REGION", "ap-guangzhou"))
        self.endpoint = overrides.get(
            "endpoint", setting("TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com/")
        )
        self.timeout = setting("SMS_TIMEOUT", 5)

    def request(self, message: Outgoing, *, timestamp: int | None = None):
        """(url, body, headers) of the signed request."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        body = json.dumps(
            {
                "PhoneNumberSet": [message.phone],
                "SmsSdkAppId": self.app_id,
                "SignName": self.sign_name,
                "TemplateId": message.template,
                "TemplateParamSet": message.ordered_values,
                "SessionContext": message.reference,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        host = urllib.parse.urlsplit(self.endpoint).netloc
        headers = {
            "Authorization": authorization(
                secret_id=self.secret_id,
                secret_key=self.secret_key,
                host=host,
                payload=body,
                timestamp=timestamp,
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": API_VERSION,
            "X-TC-Region": self.region,
        }
        return self.endpoint, body, headers

    def send(self, message: Outgoing) -> str:
        if not (self.secret_id and self.secret_key and self.app_id and self.sign_name):
            raise DeliveryError(
                "TENCENT_SMS_SECRET_ID, _SECRET_KEY, _SDK_APP_ID and _SIGN_NAME must be set"
            )
        if not message.template:
            raise DeliveryError(f"no Tencent template id for the event {message.event!r}")
        url, body, headers = self.request(message)
        _status, raw = post_json(url, body, headers, timeout=self.timeout)
        answer = read_json(raw).get("Response") or {}
        error = answer.get("Error")
        if error:
            raise DeliveryError(f"{error.get('Code', '?')}: {error.get('Message', '')}"[:300])
        statuses = answer.get("SendStatusSet") or []
        if not statuses or statuses[0].get("Code") != "Ok":
            first = statuses[0] if statuses else {}
            raise DeliveryError(f"{first.get('Code', '?')}: {first.get('Message', '')}"[:300])
        return str(statuses[0].get("SerialNo", ""))[:100]
