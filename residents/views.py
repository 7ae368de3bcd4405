"""Resident look-up for the intake form (htmx partial)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from complaints.permissions import can_reveal_phone

from .selectors import residents_search, unit_for_room


@login_required
@permission_required("residents.view_resident", raise_exception=True)
def resident_search(request):
    query = request.GET.get("q", "").strip()[:50]
    results = residents_search(query=query, limit=10) if len(query) >= 2 else []
    # A room where nobody is registered: the form takes the room anyway.
    room = unit_for_room(query) if len(query) >= 2 and not results else None
    return render(
        request,
        "residents/_search_results.html",
        {
            "query": query,
            "results": results,
            "room": room,
            # The full number goes into the page (for the intake form to fill in) only for
            # those who call residents; a department head sees the masked one and no more.
            "full_phones": can_reveal_phone(request.user),
        },
    )
