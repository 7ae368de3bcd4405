"""Resident look-up for the intake form (htmx partial)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from .selectors import residents_search


@login_required
@permission_required("residents.view_resident", raise_exception=True)
def resident_search(request):
    query = request.GET.get("q", "").strip()[:50]
    results = residents_search(query=query, limit=10) if len(query) >= 2 else []
    return render(request, "residents/_search_results.html", {"query": query, "results": results})
