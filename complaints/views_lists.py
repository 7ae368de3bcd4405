"""Working through lists: the escalations page (filter, acknowledge, assign), exports of a
list as it is on screen, and saved views.  Thin: parse the request, call a selector or a
service, answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import exports, selectors, services
from . import permissions as perms
from .forms_lists import EscalationAssignForm, EscalationFilterForm, SavedViewForm
from .models import Complaint, Escalation, SavedView, WorkOrder
from .services import ServiceError
from .services.escalations import role_label
from .views import _refusal, revisit_filters, search_params

PAGE_SIZE = 50


def _page_number(request) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 6 and int(raw) > 0 else 1


def _back(request, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


# --- escalations -----------------------------------------------------------------------------
@login_required
@permission_required("complaints.view_escalation", raise_exception=True)
def escalations(request):
    """What is overdue now, by department and the level its escalation has reached, and the
    escalations themselves, filtered; each can be acknowledged and assigned."""
    now = timezone.now()
    user = request.user
    form = EscalationFilterForm(request.GET)
    filters = selectors.EscalationFilters(**form.values())
    visible = Complaint.objects.visible_to(user)
    page = _page_number(request)
    found = list(
        selectors.escalations_filtered(user, filters, now=now)[
            (page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1
        ]
    )
    assign = request.GET.get("assign", "")
    rows = []
    for e in found[:PAGE_SIZE]:
        may_act = perms.can_acknowledge_escalation(user, e)
        assigning = may_act and assign == str(e.pk)
        rows.append(
            {
                "e": e,
                "role": role_label(e.role),
                "may_act": may_act,
                "assign_form": EscalationAssignForm(
                    people=selectors.escalation_assignees(),
                    initial={"to": e.assigned_to_id},
                    auto_id=f"as{e.pk}_%s",
                )
                if assigning
                else None,
            }
        )
    query = request.GET.copy()
    for key in ("page", "assign"):
        query.pop(key, None)
    return render(
        request,
        "complaints/escalations.html",
        {
            "form": form,
            "filtered": any(v not in (None, "", False) for v in form.values().values()),
            "rows": rows,
            "history": [row["e"] for row in rows],
            "page": page,
            "has_next": len(found) > PAGE_SIZE,
            "querystring": query.urlencode(),
            "by_department": list(selectors.overdue_by_department_and_level(user, now=now)),
            "pending": selectors.pending_extensions(user),
            "overdue_count": visible.overdue_now(now).count(),
            "late_dispatch": visible.open()
            .filter(dispatched_at__isnull=True, dispatch_due_at__lt=now)
            .count(),
            "unacknowledged": selectors.unacknowledged_escalations_count(user),
            "now": now,
        },
    )


def _escalation_or_404(user, escalation_id) -> Escalation:
    return get_object_or_404(
        Escalation.objects.visible_to(user)
        .exclude(clock=Escalation.Clock.REMINDER)
        .select_related("complaint"),
        pk=escalation_id,
    )


@login_required
@permission_required("complaints.view_escalation", raise_exception=True)
@require_POST
def escalation_acknowledge(request, escalation_id):
    escalation = _escalation_or_404(request.user, escalation_id)
    try:
        recorded = services.escalation_acknowledge(escalation=escalation, by=request.user)
    except PermissionDenied as exc:
        raise PermissionDenied(_refusal(exc)[0]) from exc
    if recorded:
        messages.success(
            request,
            _("%(number)s: escalation acknowledged.") % {"number": escalation.complaint.number},
        )
    else:
        messages.info(
            request,
            _("%(number)s: this escalation was already acknowledged.")
            % {"number": escalation.complaint.number},
        )
    return _back(request, reverse("escalations"))


@login_required
@permission_required("complaints.view_escalation", raise_exception=True)
@require_POST
def escalation_assign(request, escalation_id):
    escalation = _escalation_or_404(request.user, escalation_id)
    if not perms.can_assign_escalation(request.user, escalation):
        raise PermissionDenied(_("This escalation was raised to another role."))
    form = EscalationAssignForm(request.POST, people=selectors.escalation_assignees())
    if not form.is_valid():
        messages.error(request, _("Choose the person to follow it up."))
        return _back(request, reverse("escalations"))
    try:
        changed = services.escalation_assign(
            escalation=escalation, to=form.cleaned_data["to"], by=request.user
        )
    except (ServiceError, PermissionDenied) as exc:
        messages.error(request, _refusal(exc)[0])
    else:
        from .roles import display_name

        text = (
            _("%(number)s: escalation assigned to %(person)s.")
            if changed
            else _("%(number)s: the escalation is already assigned to %(person)s.")
        )
        messages.success(
            request,
            text
            % {
                "number": escalation.complaint.number,
                "person": display_name(form.cleaned_data["to"]),
            },
        )
    return _back(request, reverse("escalations"))


# --- exports ---------------------------------------------------------------------------------
def _export(request, fmt: str, *, queryset, columns, what: str, name: str):
    """The list as a spreadsheet, as the user sees it (phones masked unless the role reveals
    them), noted as a data access."""
    if not perms.can_export(request.user):
        raise PermissionDenied(_("Exporting lists is for a supervisor or a manager."))
    if fmt not in exports.FORMATS:
        raise Http404(_("No such format."))
    full = perms.can_reveal_phone(request.user)
    count = queryset[: exports.MAX_ROWS].count()
    query = request.GET.copy()
    query.pop("page", None)
    services.export_record(
        by=request.user,
        what=f"{what} ({fmt})",
        rows=count,
        filters=query.urlencode(),
        phones_included=full and count > 0,
    )
    body = exports.rows(queryset, columns, full_phones=full)
    filename = f"{name}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream(columns, body, language=get_language()),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(
            exports.xlsx_file(what, columns, body),
            as_attachment=True,
            filename=filename,
            content_type=exports.XLSX_CONTENT_TYPE,
        )
    response["X-Export-Rows"] = str(count)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def complaint_export(request, fmt):
    """The complaint search with the filters on screen (all its pages)."""
    _form, params = search_params(request.GET)
    return _export(
        request,
        fmt,
        queryset=selectors.complaints_search(request.user, params),
        columns=exports.COMPLAINT_COLUMNS,
        what=_("Complaint search"),
        name="complaints",
    )


@login_required
def queue_export(request, key, fmt):
    """One of the user's desk queues, whole."""
    found = selectors.desk_queue(request.user, key)
    if found is None:
        raise Http404(_("No such queue."))
    title, queryset = found
    return _export(
        request,
        fmt,
        queryset=queryset,
        columns=exports.COMPLAINT_COLUMNS,
        what=str(title),
        name=f"queue-{key}",
    )


@login_required
@permission_required("complaints.revisit_complaint", raise_exception=True)
def revisit_export(request, fmt):
    mine, department = revisit_filters(request.GET)
    return _export(
        request,
        fmt,
        queryset=selectors.revisit_queue_filtered(request.user, mine=mine, department=department),
        columns=exports.COMPLAINT_COLUMNS,
        what=_("Awaiting revisit"),
        name="revisits",
    )


@login_required
def work_order_export(request, fmt):
    """The active work orders of the list, or of one of its groups (``?group=overdue``)."""
    if not (
        request.user.has_perm("complaints.handle_work_order")
        or request.user.has_perm("complaints.handle_any_work_order")
    ):
        raise PermissionDenied
    groups = selectors.work_order_groups(request.user, now=timezone.now())
    wanted = request.GET.get("group", "")
    chosen = [qs for key, _title, qs in groups if key == wanted]
    if chosen:
        queryset = chosen[0]
    else:
        queryset = selectors.work_orders_of(request.user).filter(
            status__in=WorkOrder.ACTIVE_STATUSES
        )
    return _export(
        request,
        fmt,
        queryset=queryset.select_related(
            "complaint__department", "complaint__unit__building__property"
        ),
        columns=exports.WORK_ORDER_COLUMNS,
        what=_("Work orders"),
        name="work-orders",
    )


# --- saved views -------------------------------------------------------------------------------
SCOPE_URLS = {
    SavedView.Scope.COMPLAINTS: "complaint-list",
    SavedView.Scope.WORK_ORDERS: "work-orders",
    SavedView.Scope.REVISITS: "revisit-queue",
    SavedView.Scope.ESCALATIONS: "escalations",
}


def _list_url(scope: str, query: str = "") -> str:
    url = reverse(SCOPE_URLS[scope])
    return f"{url}?{query}" if query else url


@login_required
@require_POST
def saved_view_create(request):
    form = SavedViewForm(request.POST)
    scope = request.POST.get("scope", "")
    if scope not in SCOPE_URLS:
        raise Http404(_("There is no such list."))
    if not form.is_valid():
        longest = SavedView._meta.get_field("name").max_length
        messages.error(
            request, _("Give the view a name of at most %(n)d characters.") % {"n": longest}
        )
        return redirect(_list_url(scope, request.POST.get("query", "")[:1000]))
    try:
        view = services.saved_view_create(
            user=request.user,
            scope=scope,
            name=form.cleaned_data["name"],
            query=form.cleaned_data["query"],
        )
    except ServiceError as exc:
        messages.error(request, _refusal(exc)[0])
        return redirect(_list_url(scope, form.cleaned_data["query"][:1000]))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_list_url(view.scope, view.query))


@login_required
def saved_view_open(request, view_id):
    view = get_object_or_404(SavedView, pk=view_id, user=request.user)
    return redirect(_list_url(view.scope, view.query))


@login_required
@require_POST
def saved_view_delete(request, view_id):
    view = get_object_or_404(SavedView, pk=view_id, user=request.user)
    services.saved_view_delete(view=view, by=request.user)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect(_list_url(view.scope))
