"""The SMS backends build and sign their requests as the providers document, tested against a
local server on 127.0.0.1 (never a real host)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.parse

import pytest

from residents.messaging.backends import DeliveryError, Outgoing, get_backend
from residents.messaging.backends.aliyun import AliyunBackend
from residents.messaging.backends.http import HttpGatewayBackend
from residents.messaging.backends.tencent import TencentBackend

from .sms_server import SmsServer

MESSAGE = Outgoing(
    phone="+8613812345678",
    text="您的投诉TS-202611-0001已处理完毕，请评价：https://x/r/rate/abc/",
    event="resolved",
    params={"number": "TS-202611-0001", "link": "https://x/r/rate/abc/"},
    template="SMS_123",
    template_params=("number", "link"),
    reference="42",
)


@pytest.fixture
def server():
    s = SmsServer().start()
    yield s
    s.stop()


def test_the_backend_is_chosen_by_setting(settings):
    settings.SMS_BACKEND = "http"
    assert isinstance(get_backend(), HttpGatewayBackend)
    settings.SMS_BACKEND = "residents.messaging.backends.tencent.TencentBackend"
    assert isinstance(get_backend(), TencentBackend)


def test_the_console_backend_logs_the_text(caplog):
    with caplog.at_level(logging.INFO, logger="residents.sms"):
        get_backend("console").send(MESSAGE)
    assert "TS-202611-0001" in caplog.text and "+8613812345678" in caplog.text


def test_the_http_gateway_gets_json_with_the_token(server):
    server.answer = (200, {"id": "gw-7"})
    backend = HttpGatewayBackend(url=server.url + "send", token="s3cret")
    assert backend.send(MESSAGE) == "gw-7"
    [request] = server.requests
    assert request.path == "/send"
    assert request.headers["Authorization"] == "Bearer s3cret"
    body = json.loads(request.body)
    assert body["to"] == "+8613812345678" and body["text"] == MESSAGE.text
    assert body["reference"] == "42" and body["params"]["number"] == "TS-202611-0001"


@pytest.mark.parametrize("status", [500, 401])
def test_a_refusing_gateway_is_a_delivery_error(server, status):
    server.answer = (status, {})
    with pytest.raises(DeliveryError, match=str(status)):
        HttpGatewayBackend(url=server.url, token="t").send(MESSAGE)


def test_an_unreachable_gateway_is_a_delivery_error_not_a_crash():
    with pytest.raises(DeliveryError):
        HttpGatewayBackend(url="http://127.0.0.1:9/", token="t", timeout=1).send(MESSAGE)


def test_a_gateway_address_must_be_http():
    with pytest.raises(DeliveryError):
        HttpGatewayBackend(url="file:///etc/passwd", token="t").send(MESSAGE)


# --- Aliyun ---------------------------------------------------------------------------------------
def _aliyun_percent(value: str) -> str:
    """The documented recipe: form-encode, then + → %20, * → %2A, %7E → ~."""
    return (
        urllib.parse.quote_plus(value, safe="")
        .replace("+", "%20")
        .replace("*", "%2A")
        .replace("%7E", "~")
    )


def aliyun(server) -> AliyunBackend:
    return AliyunBackend(
        key_id="testid", secret="testsecret", sign_name="翠湖物业", endpoint=server.url
    )


def test_aliyun_request_is_signed_as_documented(server):
    server.answer = (200, {"Code": "OK", "Message": "OK", "BizId": "900^1"})
    assert aliyun(server).send(MESSAGE) == "900^1"
    [request] = server.requests
    params = dict(urllib.parse.parse_qsl(request.body.decode(), keep_blank_values=True))
    signature = params.pop("Signature")
    assert params["Action"] == "SendSms" and params["Version"] == "2017-05-25"
    assert params["PhoneNumbers"] == "13812345678" and params["SignName"] == "翠湖物业"
    assert params["TemplateCode"] == "SMS_123" and params["OutId"] == "42"
    assert json.loads(params["TemplateParam"]) == MESSAGE.params
    assert params["SignatureMethod"] == "HMAC-SHA1" and params["SignatureVersion"] == "1.0"
    canonical = "&".join(
        f"{_aliyun_percent(k)}={_aliyun_percent(v)}" for k, v in sorted(params.items())
    )
    to_sign = f"POST&%2F&{_aliyun_percent(canonical)}"
    expected = base64.b64encode(
        hmac.new(b"testsecret&", to_sign.encode(), hashlib.sha1).digest()
    ).decode()
    assert signature == expected


def test_aliyun_signature_is_stable_for_fixed_inputs(server):
    backend = aliyun(server)
    at = dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.UTC)
    one = backend.request(MESSAGE, now=at, nonce="n1")
    assert one == backend.request(MESSAGE, now=at, nonce="n1")
    assert one != backend.request(MESSAGE, now=at, nonce="n2")
    assert b"Timestamp=2026-11-05T02%3A00%3A00Z" in one[1]


def test_aliyun_refusal_is_a_delivery_error(server):
    server.answer = (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "limit"})
    with pytest.raises(DeliveryError, match="BUSINESS_LIMIT_CONTROL"):
        aliyun(server).send(MESSAGE)


def test_aliyun_needs_a_template_code(server):
    with pytest.raises(DeliveryError, match="template"):
        aliyun(server).send(Outgoing(phone="+8613812345678", text="x", event="received"))


# --- Tencent Cloud ----------------------------------------------------------------------------------
def tencent(server) -> TencentBackend:
    return TencentBackend(
        secret_id="AKIDtest",
        secret_key="tencentsecret",
        app_id="1400000000",
        sign_name="翠湖物业",
        endpoint=server.url,
    )


def _tc3(secret_key, date, to_sign):
    def mac(key, text):
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(("TC3" + secret_key).encode(), date), "sms"), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_tencent_request_is_signed_with_tc3_as_documented(server):
    server.answer = (
        200,
        {"Response": {"SendStatusSet": [{"SerialNo": "s-1", "Code": "Ok"}], "RequestId": "r"}},
    )
    assert tencent(server).send(MESSAGE) == "s-1"
    [request] = server.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    body = json.loads(request.body)
    assert body["PhoneNumberSet"] == ["+8613812345678"] and body["SmsSdkAppId"] == "1400000000"
    assert body["TemplateId"] == "SMS_123"
    assert body["TemplateParamSet"] == ["TS-202611-0001", "https://x/r/rate/abc/"]
    assert headers["x-tc-action"] == "SendSms" and headers["x-tc-version"] == "2021-01-11"
    stamp = int(headers["x-tc-timestamp"])
    date = dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%d")
    host = headers["host"]
    canonical = (
        f"POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:{host}\n\n"
        f"content-type;host\n{hashlib.sha256(request.body).hexdigest()}"
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    assert headers["authorization"] == (
        f"TC3-HMAC-SHA256 Credential=AKIDtest/{scope}, SignedHeaders=content-type;host, "
        f"Signature={_tc3('tencentsecret', date, to_sign)}"
    )


def test_tencent_error_is_a_delivery_error(server):
    server.answer = (200, {"Response": {"Error": {"Code": "AuthFailure", "Message": "bad"}}})
    with pytest.raises(DeliveryError, match="AuthFailure"):
        tencent(server).send(MESSAGE)


def test_tencent_refused_number_is_a_delivery_error(server):
    server.answer = (
        200,
        {"Response": {"SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberDailyLimit"}]}},
    )
    with pytest.raises(DeliveryError, match="DailyLimit"):
        tencent(server).send(MESSAGE)
