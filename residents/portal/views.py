"""Pages of the residents' side (/r/).  Thin: a form, a service or selector, a template.

Every page but sign-in needs a resident session (:func:`.session.resident_required`); every
complaint is looked up through the resident's phone, so another resident's number is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from complaints.models import Complaint
from complaints.services import ServiceError
from config.middleware import client_ip

from . import forms, selectors, services
from . import session as portal_session
from . import timeline as words

PORTAL_PREFIX = "/r/"


def _safe_next(request, value: str) -> str:
    value = value or ""
    if value.startswith(PORTAL_PREFIX) and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}
    ):
        return value
    return reverse("portal:home")


def _refusal(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You may not do that.")
    return str(exc.message)


# --- signing in ----------------------------------------------------------------------------------
@never_cache
def sign_in(request):
    """Step one: the phone number; a code is sent to it (the same answer whether or not the
    phone is in the registry, so the page tells nobody who lives here)."""
    staff = request.user.is_authenticated
    next_url = _safe_next(request, request.GET.get("next") or request.POST.get("next", ""))
    if portal_session.current_phone(request):
        return redirect(next_url)
    form = forms.PhoneForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if staff:
            raise PermissionDenied(_("Log out of the desk to use the residents' pages."))
        status = 400
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            try:
                services.code_send(phone=phone, client_ip=client_ip(request))
            except services.TooMany as exc:
                form.add_error("phone", exc.message)
                status = 429
            else:
                request.session[portal_session.PENDING] = {"phone": phone, "next": next_url}
                return redirect("portal:sign-in-code")
    return render(
        request,
        "portal/sign_in.html",
        {"form": form, "next": next_url, "staff": staff},
        status=status,
    )


@never_cache
def sign_in_code(request):
    """Step two: the code from the SMS."""
    pending = request.session.get(portal_session.PENDING)
    if not isinstance(pending, dict) or not pending.get("phone") or request.user.is_authenticated:
        return redirect("portal:sign-in")
    phone = pending["phone"]
    form = forms.CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if services.code_check(phone=phone, code=form.cleaned_data["code"]):
                portal_session.sign_in(request, phone)
                return redirect(_safe_next(request, pending.get("next", "")))
            form.add_error(
                "code", _("That code is wrong or has expired. Check the SMS or ask for a new one.")
            )
    from ..models import mask_phone

    return render(
        request,
        "portal/sign_in_code.html",
        {"form": form, "masked": mask_phone(phone)},
        status=status,
    )


@require_POST
def sign_out(request):
    if portal_session.current_phone(request):
        portal_session.sign_out(request)
    return redirect("portal:sign-in")


# --- my complaints -------------------------------------------------------------------------------
@portal_session.resident_required
def home(request):
    phone = request.resident_phone
    rows = []
    complaints = list(selectors.complaints_of(phone)[:50])
    withdrawn = selectors.withdrawn_among(complaints)
    for complaint in complaints:
        rows.append(
            {
                "complaint": complaint,
                "status": words.status_text(complaint, withdrawn=complaint.pk in withdrawn),
                "expected": words.expected_date(complaint),
            }
        )
    return render(
        request,
        "portal/home.html",
        {"rows": rows, "residents": list(selectors.residents_of(phone))},
    )


@portal_session.resident_required
def submit(request):
    phone = request.resident_phone
    residents = list(selectors.residents_of(phone))
    estate = selectors.property_by_code(request.GET.get("p", "")[:30])
    building = selectors.building_of(estate, request.GET.get("b", "")[:10])
    if residents:
        form_class, kwargs = forms.RegisteredSubmitForm, {"phone": phone}
        if estate is not None:
            # From a lobby poster: the resident's home in that property comes first.
            here = [r for r in residents if r.unit.building.property_id == estate.pk]
            if here:
                kwargs["initial"] = {"unit": here[0].pk}
    else:
        form_class = forms.GuestSubmitForm
        kwargs = {"building": building, "initial": {"estate": estate.pk if estate else None}}
    form = form_class(request.POST or None, **kwargs)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            resident = data.get("unit") if residents else None
            try:
                complaint, _created = services.complaint_submit(
                    phone=phone,
                    submission=data.get("submission", ""),
                    category=data["category"],
                    description=data["description"],
                    location=data.get("location", ""),
                    demand=data.get("demand", ""),
                    contact_time=dict(forms.CONTACT_TIMES).get(data.get("contact_time"), "")
                    if data.get("contact_time")
                    else "",
                    requested_deadline=data.get("deadline"),
                    resident=resident,
                    unit=data.get("unit") if not residents else None,
                    estate=data.get("estate"),
                    room_typed=data.get("room", ""),
                    contact_name=data.get("contact_name", ""),
                    uploads=request.FILES.getlist("photos"),
                )
            except services.TooMany as exc:
                form.add_error(None, exc.message)
                status = 429
            except (ServiceError, ValidationError, PermissionDenied) as exc:
                form.add_error(None, _refusal(exc))
            else:
                messages.success(
                    request,
                    _("Thank you. Your complaint number is %(number)s.")
                    % {"number": complaint.number},
                )
                return redirect("portal:complaint", number=complaint.number)
    if not form.is_bound:
        import uuid

        form.initial["submission"] = uuid.uuid4().hex
    return render(
        request,
        "portal/submit.html",
        {"form": form, "estate": estate, "building": building, "registered": bool(residents)},
        status=status,
    )


def _mine_or_404(request, number: str) -> Complaint:
    try:
        return selectors.complaint_of(request.resident_phone, number[:20])
    except Complaint.DoesNotExist as exc:
        raise Http404(_("No such complaint of yours.")) from exc


def _detail(request, complaint, *, add_form=None, withdraw_form=None, status=200):
    import uuid

    gone = selectors.withdrawal(complaint)
    open_to_add = complaint.is_open and gone is None
    return render(
        request,
        "portal/complaint.html",
        {
            "complaint": complaint,
            "status": words.status_text(complaint, withdrawn=gone is not None),
            "expected": words.expected_date(complaint),
            "entries": words.timeline(complaint, selectors.resident_events(complaint)),
            "can_add": open_to_add,
            "add_form": add_form or forms.AddForm(initial={"submission": uuid.uuid4().hex}),
            "withdraw_form": withdraw_form or forms.WithdrawForm(),
        },
        status=status,
    )


@portal_session.resident_required
def complaint(request, number):
    return _detail(request, _mine_or_404(request, number))


@require_POST
@portal_session.resident_required
def complaint_add(request, number):
    complaint = _mine_or_404(request, number)
    form = forms.AddForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_add_information(
                phone=request.resident_phone,
                complaint=complaint,
                text=form.cleaned_data["text"],
                submission=form.cleaned_data.get("submission", ""),
                uploads=request.FILES.getlist("photos"),
            )
        except (ServiceError, ValidationError, PermissionDenied) as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, _("Added. The service centre can see it."))
            return redirect("portal:complaint", number=complaint.number)
    return _detail(request, complaint, add_form=form, status=400)


@require_POST
@portal_session.resident_required
def complaint_withdraw(request, number):
    complaint = _mine_or_404(request, number)
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_withdraw(
                phone=request.resident_phone,
                complaint=complaint,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, _("Withdrawn. The service centre will close it."))
            return redirect("portal:complaint", number=complaint.number)
    return _detail(request, complaint, withdraw_form=form, status=400)
