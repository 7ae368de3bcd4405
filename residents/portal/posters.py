"""QR posters for the lobby: a code per property (and per building) that opens the residents'
form with the place already chosen.  The code holds an absolute address built from
``settings.SITE_URL``, so a poster printed from any desk PC works on residents' phones."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from ..models import Building, Property


def poster_url(estate: Property, building: Building | None = None) -> str:
    query = {"p": estate.code}
    if building is not None:
        query["b"] = building.number
    path = reverse("portal:submit")
    return f"{settings.SITE_URL.rstrip('/')}{path}?{urlencode(query)}"


def poster_png(url: str, *, scale: int = 12) -> bytes:
    """The QR code of ``url`` as a PNG (error correction Q: survives a scuffed poster)."""
    buffer = io.BytesIO()
    segno.make(url, error="q", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
