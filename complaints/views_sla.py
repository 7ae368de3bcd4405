"""Pages for deadlines: extension requests and decisions, notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors
from .forms import (
    AgreedDeadlineForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    RevisitBookingForm,
)
from .models import DeadlineExtension
from .services import (
    Conflict,
    ServiceError,
    complaint_agree_deadline,
    complaint_book_revisit,
)
from .sla import extensions
from .sla.notifications import notification_mark_read
from .views import _refusal, post_to_service


@login_required
@require_POST
def extension_request(request, pk):
    return post_to_service(
        request,
        pk,
        form_class=ExtensionRequestForm,
        prefix="extension",
        context_key="extension_form",
        run=lambda c, data: extensions.extension_request(complaint=c, by=request.user, **data),
        done=lambda data: _("Extension requested; the approver has been told."),
    )


@login_required
@require_POST
def agree_deadline(request, pk):
    return post_to_service(
        request,
        pk,
        form_class=AgreedDeadlineForm,
        prefix="agree",
        context_key="agree_form",
        run=lambda c, data: complaint_agree_deadline(complaint=c, by=request.user, **data),
        done=lambda data: _("The deadline agreed with the resident is recorded."),
    )


@login_required
@require_POST
def book_revisit(request, pk):
    return post_to_service(
        request,
        pk,
        form_class=RevisitBookingForm,
        prefix="booking",
        context_key="booking_form",
        run=lambda c, data: complaint_book_revisit(complaint=c, by=request.user, **data),
        done=lambda data: _("The revisit is booked."),
    )


@login_required
@require_POST
def extension_decide(request, extension_id):
    extension = get_object_or_404(
        DeadlineExtension.objects.visible_to(request.user).select_related("complaint"),
        pk=extension_id,
    )
    form = ExtensionDecisionForm(request.POST, prefix=f"decide{extension.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose approve or refuse."))
    else:
        try:
            extensions.extension_decide(
                extension=extension,
                by=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as exc:
            raise PermissionDenied(_refusal(exc)[0]) from exc
        except (ServiceError, Conflict) as exc:
            messages.error(request, _refusal(exc)[0])
        else:
            messages.success(request, _("Decision recorded."))
    return redirect("complaint-detail", pk=extension.complaint_id)


@login_required
def notifications(request):
    groups = selectors.notifications_by_complaint(request.user)
    return render(request, "complaints/notifications.html", {"groups": groups})


@login_required
@require_POST
def notifications_read(request):
    """Mark the notifications named by ``id`` read (one, or a complaint's), or all of them
    when none is named; ids that are not the user's are ignored."""
    ids = request.POST.getlist("id")
    chosen = [int(i) for i in ids if i.isdigit() and len(i) < 19]
    if not ids or chosen:
        notification_mark_read(user=request.user, ids=chosen or None)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("notifications")


def unread_count(request) -> int:
    if not request.user.is_authenticated:
        return 0
    return selectors.unread_notifications_count(request.user)
