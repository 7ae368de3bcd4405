"""The rating page, opened from the SMS sent when a complaint is resolved (no sign-in)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from complaints.services.errors import ServiceError

from . import rating
from .forms import RatingForm

STATUS = {"unknown": 404, "expired": 410, "replaced": 410, "used": 200}


def _problem(request, problem: rating.LinkProblem):
    link = problem.link
    language = link.language if link is not None else None
    with translation.override(language or translation.get_language()):
        return render(
            request,
            "rating/problem.html",
            {"kind": problem.kind, "link": link, "revisit": getattr(link, "revisit", None)},
            status=STATUS.get(problem.kind, 404),
        )


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request, token: str):
    try:
        link = rating.link_check(token)
    except rating.LinkProblem as problem:
        return _problem(request, problem)
    with translation.override(link.language):
        form = RatingForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                rating.rating_record(token=token, **form.cleaned_data)
            except rating.LinkProblem as problem:
                return _problem(request, problem)
            except (ServiceError, ValidationError, PermissionDenied) as exc:
                form.add_error(None, getattr(exc, "messages", None) or str(exc))
            else:
                return redirect(request.path)  # the page now says thank you
        return render(
            request,
            "rating/rate.html",
            {"form": form, "complaint": link.complaint, "link": link},
        )
