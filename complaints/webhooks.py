"""Group robots: a department's WeCom (企业微信) or DingTalk group hears of its work.

One post per event per robot, however many heads sit in the group.  The posts are an outbox
(:class:`~complaints.models.WebhookMessage`) written in the same transaction as what they
announce; a Celery task sends them after the commit with retries, and the sweep queues again
whatever the broker never received.  Like the notifications, a worker claims a message
before posting it, so two workers given the same id post it once.

Only the standard library speaks HTTP here (``urllib``), with a timeout.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from . import messages as texts
from .models import DepartmentWebhook, NotificationEvent, WebhookMessage
from .sla.notifications import CLAIM_EXPIRES, queue_after_commit

log = logging.getLogger(__name__)
E = NotificationEvent

# What a robot hears when its events are left empty.
DEFAULT_EVENTS = {E.WORK_ORDER, E.REWORK, E.REDISPATCHED, E.ESCALATION}
TIMEOUT_SECONDS = 5


class WebhookError(Exception):
    """The robot did not take the message (network, non-2xx answer, or errcode ≠ 0)."""


def wants(hook: DepartmentWebhook, event: str) -> bool:
    return event in (set(hook.events or []) or DEFAULT_EVENTS)


# --- writing the outbox --------------------------------------------------------------------
def robot_text(event: str, params: dict) -> str:
    """The post, in the site's language: markdown both robots understand."""
    with translation.override(settings.LANGUAGE_CODE):
        body = texts.render(event, params)
        title = f"**{texts.event_label(event)}** {params.get('number', '')}".strip()
        lines = [title, "", body]
        url = texts.complaint_url(params.get("complaint"))
        if url:
            lines += ["", f"[{gettext('Open the complaint')}]({url})"]
        return "\n".join(lines)


def robot_messages(
    hooks, *, complaint, event: str, params: dict, now: dt.datetime, send_after=None
) -> list[WebhookMessage]:
    """Unsaved outbox rows for the robots among ``hooks`` that hear of ``event``."""
    chosen = [h for h in hooks if h.is_active and wants(h, event)]
    if not chosen:
        return []
    text = robot_text(event, params)
    return [
        WebhookMessage(
            webhook=h,
            complaint=complaint,
            event=event,
            text=text,
            created_at=now,
            send_after=send_after,
        )
        for h in chosen
    ]


def hooks_of(department_ids) -> dict[int, list[DepartmentWebhook]]:
    """The active robots of many departments, in one query."""
    found: dict[int, list[DepartmentWebhook]] = {}
    ids = {d for d in department_ids if d}
    if ids:
        for hook in DepartmentWebhook.objects.filter(department_id__in=ids, is_active=True):
            found.setdefault(hook.department_id, []).append(hook)
    return found


def save_and_queue(rows: list[WebhookMessage], now: dt.datetime) -> list[int]:
    if not rows:
        return []
    rows = WebhookMessage.objects.bulk_create(rows)
    queue_after_commit(
        [r.pk for r in rows if r.pk and (r.send_after is None or r.send_after <= now)],
        queue=queue_posts,
    )
    return [r.pk for r in rows if r.pk]


def tell_robots(
    department_id, *, complaint, event: str, params: dict, now: dt.datetime, send_after=None
) -> list[int]:
    """Write (and queue after the commit) one post per robot of the department."""
    hooks = hooks_of([department_id]).get(department_id, [])
    rows = robot_messages(
        hooks, complaint=complaint, event=event, params=params, now=now, send_after=send_after
    )
    return save_and_queue(rows, now)


def queue_posts(ids: list[int]) -> None:
    from .tasks import deliver_webhooks

    try:
        deliver_webhooks.delay(ids)
    except Exception:  # the broker is unreachable: the sweep queues them again
        log.warning("could not queue %d robot posts; the next sweep re-queues them", len(ids))


# --- sending -----------------------------------------------------------------------------------
def signed_url(hook: DepartmentWebhook, *, now_ms: int | None = None) -> str:
    """DingTalk with signing: ``timestamp`` and ``sign`` (HMAC-SHA256 of "timestamp\\nsecret"
    keyed by the secret, base64, URL-encoded) added to the address."""
    if hook.kind != DepartmentWebhook.Kind.DINGTALK or not hook.secret:
        return hook.url
    stamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(
        hook.secret.encode(), f"{stamp}\n{hook.secret}".encode(), hashlib.sha256
    ).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    joiner = "&" if "?" in hook.url else "?"
    return f"{hook.url}{joiner}timestamp={stamp}&sign={sign}"


def payload(hook: DepartmentWebhook, message: WebhookMessage) -> dict:
    if hook.kind == DepartmentWebhook.Kind.DINGTALK:
        title = message.text.splitlines()[0].replace("*", "") if message.text else ""
        return {"msgtype": "markdown", "markdown": {"title": title, "text": message.text}}
    return {"msgtype": "markdown", "markdown": {"content": message.text}}


def post(hook: DepartmentWebhook, message: WebhookMessage) -> None:
    """One POST; raises :class:`WebhookError` unless the robot answered 2xx with errcode 0."""
    if urllib.parse.urlsplit(hook.url).scheme not in ("http", "https"):
        raise WebhookError("the address must start with http:// or https://")
    body = json.dumps(payload(hook, message), ensure_ascii=False).encode()
    request = urllib.request.Request(
        signed_url(hook),
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status, raw = response.status, response.read(10_000)
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise WebhookError(str(getattr(exc, "reason", exc))) from exc
    if not 200 <= status < 300:
        raise WebhookError(f"HTTP {status}")
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise WebhookError("the answer is not JSON") from exc
    code = answer.get("errcode", 0) if isinstance(answer, dict) else 0
    if code not in (0, "0"):
        raise WebhookError(f"errcode {code}: {answer.get('errmsg', '')}")


def _claimable(now: dt.datetime) -> Q:
    return (
        Q(delivered_at__isnull=True)
        & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES))
        & (Q(send_after__isnull=True) | Q(send_after__lte=now))
    )


def deliver(ids: list[int]) -> tuple[int, list[int]]:
    """Post the given messages; returns (sent, ids that failed and may be tried again)."""
    sent, failed = 0, []
    for message in WebhookMessage.objects.filter(
        pk__in=ids, delivered_at__isnull=True
    ).select_related("webhook"):
        now = timezone.now()
        claimed = WebhookMessage.objects.filter(_claimable(now), pk=message.pk).update(
            claimed_at=now, attempts=F("attempts") + 1
        )
        if not claimed:
            continue  # another worker has it, or it was sent, or it is still held
        try:
            post(message.webhook, message)
        except WebhookError as exc:
            log.warning("group robot message %s failed: %s", message.pk, exc)
            WebhookMessage.objects.filter(pk=message.pk).update(
                claimed_at=None, last_error=str(exc)[:300]
            )
            failed.append(message.pk)
            continue
        WebhookMessage.objects.filter(pk=message.pk).update(
            delivered_at=timezone.now(), last_error=""
        )
        sent += 1
    return sent, failed


def requeue_undelivered(
    *, now: dt.datetime, older_than=dt.timedelta(minutes=5), max_attempts: int = 8
) -> int:
    """Queue again the posts the broker never received, or that quiet hours held till now."""
    ids = list(
        WebhookMessage.objects.filter(
            _claimable(now), created_at__lte=now - older_than, attempts__lt=max_attempts
        ).values_list("pk", flat=True)[:500]
    )
    queue_after_commit(ids, queue=queue_posts)
    return len(ids)
