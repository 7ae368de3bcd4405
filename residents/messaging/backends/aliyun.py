"""Aliyun (Alibaba Cloud) Short Message Service: ``SendSms`` of the dysmsapi RPC API
(version 2017-05-25), signed with signature version 1.0 (HMAC-SHA1).

Configured by ``ALIYUN_SMS_ACCESS_KEY_ID``, ``ALIYUN_SMS_ACCESS_KEY_SECRET``,
``ALIYUN_SMS_SIGN_NAME`` (the approved signature, 签名), and optionally
``ALIYUN_SMS_ENDPOINT`` and ``ALIYUN_SMS_REGION``.  Aliyun only sends approved templates:
each message template in the admin carries its template code (``SMS_…``), and the values are
sent as ``TemplateParam`` under the placeholders' names (``${number}`` in the approved text).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import uuid

from . import DeliveryError, Outgoing, SmsBackend, setting
from .http import post_json, read_json

API_VERSION = "2017-05-25"


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the signature wants it: only A-Z a-z 0-9 - _ . ~ stay as they are,
    a space is %20."""
    return urllib.parse.quote(str(value), safe="-_.~")


def canonical_query(params: dict) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def signature(params: dict, secret: str, *, method: str = "POST") -> str:
    """Base64 of HMAC-SHA1, keyed by ``secret + "&"``, of
    ``METHOD&%2F&percent_encode(canonical query)``."""
    to_sign = "&".join(
        [method.upper(), percent_encode("/"), percent_encode(canonical_query(params))]
    )
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def domestic(phone: str) -> str:
    """Aliyun takes mainland numbers without +86, others with their country code."""
    phone = phone.strip()
    if phone.startswith("+86"):
        return phone[3:]
    return phone.lstrip("+")


class AliyunBackend(SmsBackend):
    def __init__(self, **overrides):
        self.key_id = overrides.get("key_id", setting("ALIYUN_SMS_ACCESS_KEY_ID"))
        self.secret = overrides.get("secret", setting("ALIYUN_SMS_ACCESS_KEY_SECRET"))
        self.sign_name = overrides.get("sign_name", setting("ALIYUN_SMS_SIGN_NAME"))
        self.endpoint = overrides.get(
            "endpoint", setting("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
        )
        self.region = overrides.get("region", setting("ALIYUN_SMS_REGION", "cn-hangzhou"))
        self.timeout = setting("SMS_TIMEOUT", 5)

    def params(self, message: Outgoing, *, now: dt.datetime, nonce: str) -> dict:
        values = {name: str(message.params.get(name, "")) for name in message.template_params}
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": domestic(message.phone),
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "TemplateCode": message.template,
            "TemplateParam": json.dumps(values, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        if message.reference:
            params["OutId"] = message.reference
        params["Signature"] = signature(params, self.secret)
        return params

    def request(self, message: Outgoing, *, now=None, nonce=None) -> tuple[str, bytes, dict]:
        """(url, body, headers) of the signed request."""
        params = self.params(
            message, now=now or dt.datetime.now(dt.UTC), nonce=nonce or uuid.uuid4().hex
        )
        body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        return self.endpoint, body.encode(), headers

    def send(self, message: Outgoing) -> str:
        if not (self.key_id and self.secret and self.sign_name):
            raise DeliveryError("ALIYUN_SMS_ACCESS_KEY_ID, _SECRET and _SIGN_NAME must be set")
        if not message.template:
            raise DeliveryError(f"no Aliyun template code for the event {message.event!r}")
        url, body, headers = self.request(message)
        _status, raw = post_json(url, body, headers, timeout=self.timeout)
        answer = read_json(raw)
        if answer.get("Code") != "OK":
            raise DeliveryError(f"{answer.get('Code', '?')}: {answer.get('Message', '')}"[:300])
        return str(answer.get("BizId", ""))[:100]
