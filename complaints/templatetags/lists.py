"""The tools above a list: its saved views (open, save the current filters, delete) and
export buttons carrying the filters on screen."""

from __future__ import annotations

from django import template
from django.urls import reverse

from complaints.exports import MAX_ROWS
from complaints.services.lists import clean_query

register = template.Library()


@register.inclusion_tag("complaints/_list_tools.html", takes_context=True)
def list_tools(context, scope: str, export_url: str = "", *export_args):
    """``{% list_tools "complaints" "complaint-export" %}``: saved views of ``scope`` and, if
    an export URL name is given, CSV and XLSX buttons with the current filters."""
    from complaints.models import SavedView

    request = context["request"]
    query = clean_query(scope, request.GET.urlencode())
    exports = []
    if export_url and request.user.has_perm("complaints.export_personal_data"):
        for fmt in ("xlsx", "csv"):
            url = reverse(export_url, args=[*export_args, fmt])
            exports.append((fmt.upper(), f"{url}?{query}" if query else url))
    return {
        "scope": scope,
        "query": query,
        "views": list(
            SavedView.objects.filter(user=request.user, scope=scope).order_by("name")[:50]
        ),
        "exports": exports,
        "cap": f"{MAX_ROWS:,}",
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
