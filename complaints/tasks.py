"""Celery tasks: thin, taking ids, calling services. Safe to run twice or on two workers."""

from celery import shared_task

from .sla import deadlines, heartbeat, notifications, sweep

ROBOT_RETRIES = 5


@shared_task(name="complaints.sla_sweep", ignore_result=True)
def sla_sweep() -> dict:
    result = sweep.sla_sweep()
    heartbeat.record()  # for /healthz: how long ago the last sweep finished
    return {"escalations": result.escalations, "notifications": result.notifications}


@shared_task(
    name="complaints.deliver_notifications",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def deliver_notifications(ids: list[int]) -> int:
    return notifications.deliver(ids)


@shared_task(bind=True, name="complaints.deliver_webhooks", ignore_result=True, max_retries=None)
def deliver_webhooks(self, ids: list[int]) -> int:
    """Post to the group robots; what failed is tried again with a growing pause, and after
    the last try the sweep queues it again later."""
    from . import webhooks

    sent, failed = webhooks.deliver(ids)
    if failed and self.request.retries < ROBOT_RETRIES:
        raise self.retry(args=[failed], countdown=30 * 2**self.request.retries)
    return sent


@shared_task(name="complaints.sla_reschedule", ignore_result=True)
def sla_reschedule() -> int:
    return deadlines.reschedule_open()
