"""Pages of the complaint desk. Views stay thin: parse the request, call a selector or a
service, render. Refusals from services come back as messages with the typed text kept."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from residents.messaging.selectors import open_rating_links, recent_online_ratings

from . import form_tokens, selectors, services
from . import permissions as perms
from .actions import ACTIONS, available_actions
from .forms import (
    AgreedDeadlineForm,
    DispatchForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    IntakeForm,
    ProgressForm,
    RevisitBookingForm,
    SearchForm,
)
from .models import Attachment, Complaint, ComplaintEvent, Department, WorkOrder
from .params import id_or_none
from .services import Conflict, ServiceError

LAST_CHANNEL = "desk_last_channel"


def _visible_or_404(user, pk) -> Complaint:
    try:
        return selectors.complaint_detail(user, pk)
    except Complaint.DoesNotExist as exc:
        raise Http404(_("No such complaint is visible to you.")) from exc


def _refusal(exc) -> tuple[str, int]:
    if isinstance(exc, Conflict):
        return str(exc.message), 409
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You may not do that."), 403
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages), 400
    return str(exc.message), 400


# --- my desk ---------------------------------------------------------------------------------
@login_required
def home(request):
    queues = selectors.desk_queues(request.user)
    template = "complaints/_queues.html" if request.htmx else "complaints/home.html"
    return render(request, template, {"queues": queues, "now": timezone.now()})


# --- intake ----------------------------------------------------------------------------------
CREATE_FIELDS = [
    "channel",
    "description",
    "contact_name",
    "contact_phone",
    "resident",
    "is_anonymous",
    "is_urgent",
    "forwarded_by",
    "reached_government",
    "occurred_at",
    "location",
    "complained_about",
    "demand",
    "requested_deadline",
    "category",
    "economic_loss",
    "group_lead",
    "attachments",
]


@login_required
@permission_required("complaints.add_complaint", raise_exception=True)
def intake(request):
    """The intake form.  Posted with ``intent=dispatch`` it registers and dispatches in one
    step (登记并派工).  A possible duplicate is shown before saving, with "add to that
    complaint" (``add_to``) or "register anyway" (the form again, with ``duplicates_seen``)."""
    duplicates = []
    intent = "dispatch" if request.POST.get("intent") == "dispatch" else "save"
    if request.method == "POST":
        form = IntakeForm(
            request.POST, request.FILES, user=request.user, dispatching=intent == "dispatch"
        )
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            done = _intake_submitted_before(request, data["submission"])
            if done is not None:
                return done
            duplicates = selectors.possible_duplicates(
                user=request.user,
                category_id=data["category"].pk if data["category"] else None,
                unit_id=data["room"].pk if data["room"] else None,
                resident_id=data["resident"].pk if data["resident"] else None,
                phone=str(data["contact_phone"]),
            )
            add_to = request.POST.get("add_to", "")
            seen = {v for v in request.POST.getlist("duplicates_seen") if v.isdigit()}
            if add_to:
                response = _intake_add_to(request, form, add_to, duplicates)
                if response is not None:
                    return response
            elif duplicates and not {str(d.pk) for d in duplicates} <= seen:
                status = 200  # nothing wrong: a question before saving
            else:
                response = _intake_register(request, form, intent)
                if response is not None:
                    return response
                duplicates = []
    else:
        form = IntakeForm(
            user=request.user,
            initial={
                "channel": request.session.get(LAST_CHANNEL, Complaint.Channel.PHONE),
                "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "submission": uuid.uuid4().hex,
            },
        )
        status = 200
    context = {
        "form": form,
        "duplicates": duplicates,
        "intent": intent,
        "can_dispatch": perms.can_dispatch(request.user),
    }
    return render(request, "complaints/intake.html", context, status=status)


def _intake_submitted_before(request, submission):
    """The same form sent again (a double click, a resend): show what the first one did."""
    for kind in (ComplaintEvent.Kind.CREATED, ComplaintEvent.Kind.REPEAT):
        earlier = services.submitted_before(by=request.user, submission=submission, kind=kind)
        if earlier is not None:
            messages.info(
                request,
                _("This form was already sent: %(number)s.") % {"number": earlier.complaint.number},
            )
            return redirect("complaint-detail", pk=earlier.complaint_id)
    return None


def _intake_register(request, form, intent):
    data = form.cleaned_data
    dispatch = None
    if intent == "dispatch":
        dispatch = services.DispatchChoice(
            severity=data["severity"],
            department=data["department"],
            instructions=data["instructions"],
        )
    registered = _on_form(
        form,
        services.complaint_register,
        by=request.user,
        submission=data["submission"],
        dispatch=dispatch,
        unit=data["room"],
        **{name: data[name] for name in CREATE_FIELDS},
    )
    if registered is None:
        return None
    complaint = registered.complaint
    request.session[LAST_CHANNEL] = data["channel"]
    if not registered.created:
        messages.info(
            request, _("This form was already sent: %(number)s.") % {"number": complaint.number}
        )
    elif registered.work_order is not None:
        messages.success(
            request,
            _(
                "Complaint %(number)s registered and dispatched to %(department)s. "
                "Read the number back to the resident."
            )
            % {"number": complaint.number, "department": registered.work_order.department},
        )
    else:
        messages.success(
            request,
            _("Complaint %(number)s registered. Read the number back to the resident.")
            % {"number": complaint.number},
        )
    return redirect("complaint-detail", pk=complaint.pk)


def _intake_add_to(request, form, add_to, duplicates):
    """Add the call to a complaint it repeats; the target must still be a possible duplicate."""
    if id_or_none(add_to) is None:
        raise Http404(_("No such complaint is visible to you."))
    target = _visible_or_404(request.user, id_or_none(add_to))
    if target.pk not in {d.pk for d in duplicates}:
        form.add_error(
            None,
            _("%(number)s is no longer open about the same matter; register the call instead.")
            % {"number": target.number},
        )
        return None
    data = form.cleaned_data
    added = _on_form(
        form,
        services.complaint_add_report,
        complaint=target,
        by=request.user,
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
        description=data["description"],
        channel=data["channel"],
        attachments=data["attachments"],
        submission=data["submission"],
    )
    if added is None:
        return None
    request.session[LAST_CHANNEL] = data["channel"]
    messages.success(
        request,
        _("The call was added to %(number)s as a repeat report; no new complaint was registered.")
        % {"number": target.number},
    )
    return redirect("complaint-detail", pk=target.pk)


def _on_form(form, service, **kwargs):
    """Call the service; a refusal goes onto the form (what was typed is kept) and gives None."""
    try:
        return service(**kwargs)
    except ValidationError as exc:
        _attach_errors(form, exc)
    except (ServiceError, PermissionDenied) as exc:
        form.add_error(None, _refusal(exc)[0])
    return None


def _attach_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error("attachments" if getattr(exc, "code", "").startswith("file") else None, exc)


@login_required
@permission_required("complaints.add_complaint", raise_exception=True)
@require_GET
def resident_history(request):
    """Partial: the earlier complaints of the resident (or phone) picked in the intake form."""
    resident_id = request.GET.get("resident", "")
    phone = request.GET.get("phone", "").strip()[:30]
    complaints = selectors.earlier_complaints_of(
        user=request.user,
        resident_id=id_or_none(resident_id),
        phone=selectors.e164_or_empty(phone),
    )
    return render(request, "complaints/_history.html", {"complaints": complaints})


@login_required
@permission_required("complaints.add_complaint", raise_exception=True)
@require_GET
def group_hint(request):
    """Partial: other households of the same property reporting the same category lately."""
    from residents.models import Resident, Unit

    category = request.GET.get("category", "")
    unit = None
    resident_id = id_or_none(request.GET.get("resident", ""))
    if resident_id is not None:
        resident = Resident.objects.select_related("unit__building").filter(pk=resident_id).first()
        unit = resident.unit if resident else None
    elif request.GET.get("room"):
        unit = Unit.objects.matching_room(request.GET["room"]).select_related("building").first()
    hits = []
    if unit is not None and id_or_none(category) is not None:
        hits = selectors.group_hint(
            user=request.user,
            estate_id=unit.building.property_id,
            category_id=int(category),
            exclude_unit_id=unit.pk,
        )
    return render(request, "complaints/_group_hint.html", {"hits": hits})


# --- one complaint -----------------------------------------------------------------------------
def _detail_context(request, complaint, *, bound=None, bound_action=None):
    actions = []
    for action in available_actions(complaint, request.user):
        form = (
            bound
            if bound_action == action.name
            else action.form(prefix=action.name, initial=_initial_for(action.name, complaint))
        )
        actions.append((action, form))
    order = complaint.active_work_order
    return {
        "complaint": complaint,
        "actions": actions,
        "active_order": order,
        "can_sign": order is not None
        and order.status == WorkOrder.Status.PENDING
        and perms.can_sign(request.user, order),
        "can_progress": complaint.is_open
        and complaint.state != Complaint.State.RECEIVED
        and complaint.resolved_at is None
        and perms.can_report_progress(request.user, complaint),
        "can_dispatch": perms.can_dispatch(request.user, complaint)
        and complaint.state in (Complaint.State.CONFIRMED, Complaint.State.INVESTIGATED),
        "progress_form": ProgressForm(prefix="progress"),
        "extension_form": ExtensionRequestForm(prefix="extension"),
        "can_extend": complaint.is_open
        and not complaint.resolved_at
        and complaint.resolve_due_at is not None
        and perms.can_request_extension(request.user, complaint)
        and not any(e.status == "pending" for e in complaint.extensions.all()),
        "extensions": [
            (
                e,
                ExtensionDecisionForm(prefix=f"decide{e.pk}")
                if e.status == "pending" and perms.can_decide_extension(request.user, e)
                else None,
            )
            for e in complaint.extensions.all()
        ],
        "dispatch_form": DispatchForm(prefix="dispatch"),
        "agree_form": AgreedDeadlineForm(prefix="agree"),
        "can_agree": complaint.is_open
        and complaint.severity
        and complaint.validity != Complaint.Validity.INVALID
        and not complaint.resolved_at
        and perms.can_agree_deadline(request.user, complaint),
        "booking_form": RevisitBookingForm(prefix="booking"),
        "can_book_revisit": complaint.state == Complaint.State.RESOLVED
        and perms.can_book_revisit(request.user, complaint),
        "can_reveal_phone": perms.can_reveal_phone(request.user, complaint),
        "now": timezone.now(),
    }


def _initial_for(name, complaint):
    if name == "confirm":
        return {
            "severity": complaint.severity or "minor",
            "category": complaint.category_id,
            "validity": complaint.validity or "valid",
            "responsibility": complaint.responsibility or "class1",
            "department": complaint.department_id
            or (complaint.category.proposed_department_id if complaint.category_id else None),
            "is_special": complaint.is_special,
        }
    if name in ("revisit_satisfied", "revisit_unsatisfied"):
        return {"method": "phone"}
    return {}


@login_required
def complaint_detail(request, pk):
    complaint = _visible_or_404(request.user, pk)
    return render(request, "complaints/detail.html", _detail_context(request, complaint))


@login_required
@require_POST
def complaint_action(request, pk, name):
    complaint = _visible_or_404(request.user, pk)
    action = ACTIONS.get(name)
    if action is None:
        raise Http404(_("Unknown action."))
    form = action.form(request.POST, prefix=name)
    status = 400
    if form.is_valid():
        try:
            with transaction.atomic():
                if not form_tokens.claim(request, what=name):
                    raise form_tokens.SentBefore
                action.run(complaint, request.user, dict(form.cleaned_data))
        except form_tokens.SentBefore:
            messages.info(request, form_tokens.SENT_BEFORE)
            return redirect("complaint-detail", pk=pk)
        except (ServiceError, PermissionDenied, ValidationError) as exc:
            message, status = _refusal(exc)
            messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(number)s: %(action)s — done.")
                % {"number": complaint.number, "action": action.label},
            )
            if request.POST.get("then") == "next":  # "Save and next" in the revisit queue
                return redirect(next_call_url(request))
            return redirect("complaint-detail", pk=pk)
        complaint = _visible_or_404(request.user, pk)
    context = _detail_context(request, complaint, bound=form, bound_action=name)
    return render(request, "complaints/detail.html", context, status=status)


@login_required
@permission_required("complaints.confirm_complaint", raise_exception=True)
def complaint_confirm_page(request, pk):
    """Focused screen for confirming and dispatching, with the 10-minute countdown."""
    complaint = _visible_or_404(request.user, pk)
    if complaint.state != Complaint.State.RECEIVED:
        messages.info(request, _("This complaint is already confirmed."))
        return redirect("complaint-detail", pk=pk)
    form = ACTIONS["confirm"].form(prefix="confirm", initial=_initial_for("confirm", complaint))
    history = selectors.earlier_complaints_of(
        user=request.user,
        resident_id=complaint.resident_id,
        phone=str(complaint.contact_phone),
        exclude_pk=complaint.pk,
    )
    return render(
        request,
        "complaints/confirm.html",
        {"complaint": complaint, "form": form, "history": history},
    )


def post_to_service(request, pk, *, form_class, prefix, run, done, context_key):
    """A small form on the complaint page posted to one service: on success back to the page
    with ``done``'s message; on a refusal or bad input the page again, with what was typed."""
    complaint = _visible_or_404(request.user, pk)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            with transaction.atomic():
                if not form_tokens.claim(request, what=prefix):
                    raise form_tokens.SentBefore
                run(complaint, form.cleaned_data)
        except form_tokens.SentBefore:
            messages.info(request, form_tokens.SENT_BEFORE)
            return redirect("complaint-detail", pk=pk)
        except (ServiceError, PermissionDenied) as exc:
            messages.error(request, _refusal(exc)[0])
        else:
            messages.success(request, done(form.cleaned_data))
            return redirect("complaint-detail", pk=pk)
    context = _detail_context(request, _visible_or_404(request.user, pk))
    context[context_key] = form
    return render(request, "complaints/detail.html", context, status=400)


@login_required
@require_POST
def complaint_dispatch(request, pk):
    return post_to_service(
        request,
        pk,
        form_class=DispatchForm,
        prefix="dispatch",
        context_key="dispatch_form",
        run=lambda c, data: services.complaint_dispatch(complaint=c, by=request.user, **data),
        done=lambda data: _("Dispatched to %(department)s.") % {"department": data["department"]},
    )


@login_required
@require_POST
def complaint_progress(request, pk):
    return post_to_service(
        request,
        pk,
        form_class=ProgressForm,
        prefix="progress",
        context_key="progress_form",
        run=lambda c, data: services.complaint_progress(complaint=c, by=request.user, **data),
        done=lambda data: (
            _("Reply recorded: the resident sees it online.")
            if data.get("for_resident")
            else _("Progress recorded.")
        ),
    )


@login_required
@require_POST
def complaint_attach(request, pk):
    """Photos (several at once, from a phone's camera) or PDFs: all are attached or none."""
    complaint = _visible_or_404(request.user, pk)
    uploads = request.FILES.getlist("attachments")
    if not uploads:
        error, status = _("Choose a photo or PDF first."), 400
    else:
        try:
            services.attachments_add(complaint=complaint, uploads=uploads, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            error, status = _refusal(exc)
            if status == 403:
                raise PermissionDenied(error) from exc
        else:
            count = len(uploads)
            messages.success(
                request,
                ngettext(
                    "%(number)s: %(count)d file attached.",
                    "%(number)s: %(count)d files attached.",
                    count,
                )
                % {"number": complaint.number, "count": count},
            )
            return redirect("complaint-detail", pk=pk)
    context = _detail_context(request, _visible_or_404(request.user, pk))
    context["attach_error"] = error
    return render(request, "complaints/detail.html", context, status=status)


@login_required
def attachment_download(request, pk, attachment_id):
    """Attachments are served only through here, to people who may see the complaint;
    ``?thumb=1`` gives a picture's small preview."""
    complaint = _visible_or_404(request.user, pk)
    attachment = get_object_or_404(
        Attachment.objects.visible_to(request.user), pk=attachment_id, complaint=complaint
    )
    thumb = request.GET.get("thumb") == "1"
    if thumb and not attachment.thumbnail:
        raise Http404(_("This file has no preview."))
    stored = attachment.thumbnail if thumb else attachment.file
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("The file is missing from storage.")) from exc
    response = FileResponse(
        handle,
        content_type="image/jpeg" if thumb else attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def reveal_phone(request, pk):
    """Show a resident's full number for a call, and note on the timeline who looked."""
    complaint = _visible_or_404(request.user, pk)
    phone = services.phone_reveal(complaint=complaint, by=request.user)
    return render(request, "complaints/_phone.html", {"phone": phone})


@login_required
def complaint_print(request, pk):
    complaint = _visible_or_404(request.user, pk)
    rounds = selectors.complaint_rounds(complaint)
    current = rounds[-1]
    return render(
        request,
        "complaints/print.html",
        {
            "complaint": complaint,
            "printed_at": timezone.now(),
            "current": current,
            "order": current.work_orders[-1] if current.work_orders else None,
            "earlier_rounds": rounds[:-1],
            # The plan is kept on the complaint until the new round investigates again.
            "plan_is_earlier": len(rounds) > 1
            and not any(e.to_state == Complaint.State.INVESTIGATED for e in current.events),
        },
    )


# --- lists -----------------------------------------------------------------------------------
def search_params(query) -> tuple[SearchForm, selectors.SearchParams]:
    """The search form bound to a query string, and the search it asks for (none while the
    form is invalid); the list and its export read the same."""
    form = SearchForm(query or None)
    params = selectors.SearchParams()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        params = selectors.SearchParams(
            q=data["q"],
            state=data["state"],
            severity=data["severity"],
            category=data["category"].pk if data["category"] else None,
            department=data["department"].pk if data["department"] else None,
            received_from=data["received_from"],
            received_to=data["received_to"],
            overdue=data["overdue"],
        )
    return form, params


@login_required
def complaint_list(request):
    form, params = search_params(request.GET)
    results = selectors.complaints_search(request.user, params)
    # No COUNT(*) over a large table: pages know only whether there is a next one.
    page_number = request.GET.get("page", "1")
    # Digits only and a sane length: "99999999999999999999" would overflow the database's
    # OFFSET; such a page is simply the first.
    page_number = (
        int(page_number) if page_number.isdigit() and 0 < len(page_number) < 6 else 1
    ) or 1
    size = 25
    # "Next" carries the last row's (received_at, id): the next page starts from the index
    # there (keyset) instead of reading and skipping every earlier row (OFFSET).
    after = selectors.parse_cursor(request.GET.get("after", ""))
    if after is not None and page_number > 1:
        rows = list(selectors.after_cursor(results, after)[: size + 1])
    else:
        rows = list(results[(page_number - 1) * size : page_number * size + 1])
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("after", None)
    return render(
        request,
        "complaints/list.html",
        {
            "form": form,
            "rows": rows[:size],
            "page": page_number,
            "has_next": len(rows) > size,
            "next_cursor": selectors.cursor_of(rows[size - 1]) if len(rows) > size else "",
            "querystring": query.urlencode(),
            "now": timezone.now(),
        },
    )


@login_required
@permission_required("complaints.revisit_complaint", raise_exception=True)
def revisit_queue(request):
    mine, department = revisit_filters(request.GET)
    complaints = list(
        selectors.revisit_queue_filtered(request.user, mine=mine, department=department)[
            :QUEUE_SHOWN
        ]
    )
    now = timezone.now()
    links = open_rating_links([c.pk for c in complaints], now)  # the revisit online
    for c in complaints:
        c.rating_link = links.get(c.pk)
    call = request.GET.get("call", "")
    # One form per complaint: the same field names (the action's prefix), distinct element ids.
    # Each carries the queue after it, as shown, for "Save and next" (the next call).
    forms = [
        (
            c,
            ACTIONS["revisit_satisfied"].form(
                prefix="revisit_satisfied", auto_id=f"rv{c.pk}_%s", initial={"method": "phone"}
            ),
            ",".join(str(x.pk) for x in complaints[i + 1 : i + 1 + NEXT_CARRIED]),
        )
        for i, c in enumerate(complaints)
    ]
    filters = QueryDict(mutable=True)
    if mine:
        filters["mine"] = "1"
    if department:
        filters["department"] = str(department)
    return render(
        request,
        "complaints/revisits.html",
        {
            "items": forms,
            "now": now,
            "rated_online": recent_online_ratings(request.user, now),
            "call": int(call) if call.isdigit() and len(call) < 10 else None,
            "filters": filters.urlencode(),
            "mine": mine,
            "department": department,
            "departments": Department.objects.filter(is_active=True).order_by("name"),
        },
    )


def revisit_filters(query) -> tuple[bool, int | None]:
    """The revisit queue's filters from a query string: only mine; one department."""
    department = query.get("department", "")
    return (
        query.get("mine") == "1",
        int(department) if department.isdigit() and len(department) < 10 else None,
    )


QUEUE_SHOWN = 100  # complaints the revisit queue lists
NEXT_CARRIED = 30  # of the queue after a complaint, carried by its "Save and next"


def next_call_url(request) -> str:
    """Where "Save and next" goes after a revisit is saved: the queue, with the next complaint
    (of those shown after the saved one, still waiting) opened; the queue alone at its end."""
    carried = [
        int(x)
        for x in request.POST.get("queue", "").split(",")[:NEXT_CARRIED]
        if x.isdigit() and len(x) < 10
    ]
    following = selectors.revisit_next_call(request.user, carried)
    filters = QueryDict(request.POST.get("filters", "")[:200], mutable=True)
    kept = QueryDict(mutable=True)
    for key in ("mine", "department"):
        value = filters.get(key, "")
        if value.isdigit() and len(value) < 10:
            kept[key] = value
    if following is None:
        messages.info(request, _("That was the last call in the queue."))
    else:
        kept["call"] = str(following.pk)
    url = reverse("revisit-queue")
    query = kept.urlencode()
    anchor = f"#revisit-{following.pk}" if following is not None else ""
    return f"{url}?{query}{anchor}" if query else url


@login_required
def work_orders(request):
    if not (
        request.user.has_perm("complaints.handle_work_order")
        or request.user.has_perm("complaints.handle_any_work_order")
    ):
        raise PermissionDenied
    now = timezone.now()
    found = selectors.work_order_groups(request.user, now=now)
    wanted = request.GET.get("group", "")  # one group only; an unknown name shows them all
    if wanted not in {key for key, _title, _orders in found}:
        wanted = ""
    groups = [
        (key, title, list(orders[:SHOWN]), orders.count())
        for key, title, orders in found
        if not wanted or key == wanted
    ]
    return render(
        request, "complaints/work_orders.html", {"groups": groups, "now": now, "shown": SHOWN}
    )


SHOWN = 100  # rows a work-order group lists; its count is always the full number


@login_required
@require_POST
def work_order_sign(request, order_id):
    order = get_object_or_404(
        WorkOrder.objects.visible_to(request.user).select_related("complaint", "department"),
        pk=order_id,
    )
    try:
        services.work_order_sign(work_order=order, by=request.user)
    except (ServiceError, PermissionDenied) as exc:
        message, status = _refusal(exc)
        messages.error(request, message)
        if status == 403:
            raise PermissionDenied(message) from exc
    else:
        messages.success(request, _("Signed for %(number)s.") % {"number": order.complaint.number})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("complaint-detail", args=[order.complaint_id])
    return redirect(target)
