"""Where text messages go: one small interface, several backends.

A backend is a class with ``send(message: Outgoing) -> str`` that returns the provider's
message id (or "") and raises :class:`DeliveryError` when the message was not taken; the
outbox then keeps it and tries again later.  ``SMS_BACKEND`` chooses it: ``console``,
``locmem``, ``http``, ``aliyun``, ``tencent`` or the dotted path of any class with that
method — a WeChat template-message channel plugs in the same way (see docs/sms.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

BACKENDS = {
    "console": "residents.messaging.backends.console.ConsoleBackend",
    "locmem": "residents.messaging.backends.locmem.LocmemBackend",
    "http": "residents.messaging.backends.http.HttpGatewayBackend",
    "aliyun": "residents.messaging.backends.aliyun.AliyunBackend",
    "tencent": "residents.messaging.backends.tencent.TencentBackend",
}


class DeliveryError(Exception):
    """The provider did not take the message (network, refusal, bad answer)."""


@dataclass(frozen=True)
class Outgoing:
    """One message as a backend sees it."""

    phone: str  # E.164: +8613812345678
    text: str
    event: str = ""
    language: str = "zh-hans"
    params: dict = field(default_factory=dict)  # the placeholder values
    template: str = ""  # the provider's approved template code, if any
    template_params: tuple[str, ...] = ()  # the values' names, in the template's order
    reference: str = ""  # our id of the message (for idempotency keys)

    @property
    def ordered_values(self) -> list[str]:
        return [str(self.params.get(name, "")) for name in self.template_params]


class SmsBackend:
    """The interface (and a reminder of it): subclasses send or raise DeliveryError."""

    def send(self, message: Outgoing) -> str:  # pragma: no cover - the interface
        raise NotImplementedError


def get_backend(name: str | None = None) -> SmsBackend:
    name = name or getattr(settings, "SMS_BACKEND", "console") or "console"
    return import_string(BACKENDS.get(name, name))()


def setting(name: str, default=""):
    return getattr(settings, name, default)
