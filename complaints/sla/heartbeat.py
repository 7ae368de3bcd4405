"""When the SLA sweep last finished, for ``/healthz``: a stopped beat is a silent failure.

Kept in the cache when it is shared between processes (Redis in production); with the
development default (a per-process memory cache) in a small file in ``VAR_DIR``, which the
web server, worker and beat of one machine share.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

log = logging.getLogger(__name__)
KEY = "complaints:sla-sweep:finished-at"
LOCAL_CACHES = ("LocMemCache", "DummyCache")


def _shared_cache() -> bool:
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(LOCAL_CACHES)


def _file() -> Path:
    return Path(settings.SWEEP_HEARTBEAT_FILE)


def record(when: dt.datetime | None = None) -> None:
    """Note that a sweep finished now (or at ``when``).  Never fails the sweep: a cache that
    is down only makes ``/healthz`` report the sweep as late."""
    stamp = (when or timezone.now()).isoformat()
    try:
        if _shared_cache():
            cache.set(KEY, stamp, timeout=None)
            return
        path = _file()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sweep-")
        with os.fdopen(fd, "w") as out:
            out.write(stamp)
        os.replace(tmp, path)  # atomic: a reader never sees half a timestamp
    except Exception:
        log.warning("could not record the time of the SLA sweep", exc_info=True)


def last() -> dt.datetime | None:
    """When the last sweep finished, or None if none is known."""
    try:
        stamp = cache.get(KEY) if _shared_cache() else _file().read_text().strip()
    except Exception:
        stamp = None
    if not stamp:
        return None
    try:
        return dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
