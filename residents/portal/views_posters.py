"""The admin's QR poster pages (see ``PosterAdminMixin`` in residents/admin.py): anyone who
may view the property or building in the admin may print its poster."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from ..models import Building
from . import posters


def _place(model_admin, request, object_id):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    obj = model_admin.get_object(request, object_id)
    if obj is None:
        raise Http404
    if isinstance(obj, Building):
        return obj.property, obj
    return obj, None


def poster_page(model_admin):
    def view(request, object_id):
        estate, building = _place(model_admin, request, object_id)
        info = model_admin.opts.app_label, model_admin.opts.model_name
        context = {
            **model_admin.admin_site.each_context(request),
            "estate": estate,
            "building": building,
            "url": posters.poster_url(estate, building),
            "png": reverse("admin:{}_{}_poster_png".format(*info), args=[object_id]),
        }
        return render(request, "portal/poster.html", context)

    return view


def poster_png(model_admin):
    def view(request, object_id):
        estate, building = _place(model_admin, request, object_id)
        png = posters.poster_png(posters.poster_url(estate, building))
        response = HttpResponse(png, content_type="image/png")
        place = f"{estate.code}-{building.number}" if building else estate.code
        name = re.sub(r"[^0-9A-Za-z_-]", "", f"qr-{place}")
        response["Content-Disposition"] = f'inline; filename="{name}.png"'
        return response

    return view
