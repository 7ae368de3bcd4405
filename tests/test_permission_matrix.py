"""Who gets what from every URL of the project, generated from the URL conf.

Every URL pattern (pages, the admin with its import/export and transition URLs, the reporting
pages it hosts) is requested as every role and as an anonymous visitor.  Path parameters are
filled with the ids of objects belonging to *another department*: a complaint only ever
dispatched to the security department, its work order, attachment, extension, escalation and
corrective action.  The expected status of each URL for each role is written in
:data:`EXPECTED`; a URL missing from it fails the test, so a new URL cannot be forgotten.

What must always hold, whatever the table says: no 500 anywhere; an anonymous visitor is
sent to a login page (except for the few public URLs); the head of engineering gets 404 —
or 403 where the page is forbidden to the role altogether — for every object of security,
in the pages and in the admin, and POSTing to any action on them changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass

import pytest
import time_machine
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from complaints import services
from complaints.actions import ACTIONS
from complaints.models import (
    Attachment,
    CalendarDay,
    Clock,
    Complaint,
    ComplaintEvent,
    DataAccess,
    DeadlineExtension,
    DepartmentWebhook,
    DeskPolicy,
    Escalation,
    Notification,
    OfficeHours,
    Revisit,
    SavedView,
    SlaPolicy,
    WebhookMessage,
    WorkOrder,
)
from reporting.models import CorrectiveAction, MonthlyReportDispatch, ReportingSettings
from residents.models import MessageTemplate, ResidentMessage
from tests.complaints import factories as f

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
ROLES = [
    ANONYMOUS,
    "front_desk",
    "night_duty",
    "supervisor",
    "department_head",  # of engineering; every object below belongs to security
    "manager",
    "general_manager",
]
NOW = f.at(5, 10)


# --- the world: security's complaint and everything hanging from it --------------------------
@dataclass
class World:
    users: dict
    complaint: Complaint
    work_order: WorkOrder
    attachment: Attachment
    extension: DeadlineExtension
    escalation: Escalation
    action: CorrectiveAction
    notification: Notification
    saved_view: SavedView  # security's head's own
    security_head: object
    objects: dict  # admin object per "app_label.model_name"


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def world(db):
    with time_machine.travel(f.at(2, 9), tick=False):
        desk = f.staff("front_desk")
        users = {
            role: f.staff(
                role, department_code="engineering" if role == "department_head" else None
            )
            for role in ROLES
            if role != ANONYMOUS
        }
        users["front_desk"] = desk
        security_head = f.staff("department_head", department_code="security")
        complaint = f.complaint(desk)
        services.complaint_confirm(
            complaint=complaint,
            by=desk,
            severity="minor",
            category=f.category(),
            validity="valid",
            responsibility="class1",
            department=f.department("security"),
        )
        complaint = Complaint.objects.get(pk=complaint.pk)
        order = complaint.active_work_order
        services.work_order_sign(work_order=order, by=security_head)
        services.complaint_investigate(
            complaint=Complaint.objects.get(pk=complaint.pk), by=security_head, plan="巡逻加岗"
        )
        complaint = Complaint.objects.get(pk=complaint.pk)
        attachment = Attachment.objects.create(
            complaint=complaint,
            file=ContentFile(PDF, name="letter.pdf"),
            original_name="letter.pdf",
            content_type="application/pdf",
            size=len(PDF),
            uploaded_by=desk,
        )
        extension = DeadlineExtension.objects.create(
            complaint=complaint,
            requested_by=security_head,
            reason="等配件",
            old_due_at=complaint.resolve_due_at,
            new_due_at=complaint.resolve_due_at + dt.timedelta(days=2),
        )
        escalation = Escalation.objects.create(
            complaint=complaint,
            clock=Escalation.Clock.RESOLVE,
            level=1,
            role="supervisor",
            due_at=complaint.resolve_due_at,
        )
        action = CorrectiveAction.objects.create(
            title="夜间巡逻不到位",
            cause_analysis="排班不足",
            action="增加夜班",
            owner=users["supervisor"],
            due_date=dt.date(2026, 11, 30),
            created_by=users["supervisor"],
        )
        action.complaints.add(complaint)
        notification = Notification.objects.create(
            recipient=security_head, complaint=complaint, message="新派工单"
        )
        saved_view = SavedView.objects.create(
            user=security_head, scope="complaints", name="保安部超时", query="overdue=on"
        )
        robot_post = WebhookMessage.objects.create(
            webhook=DepartmentWebhook.objects.create(
                department=f.department("security"),
                kind=DepartmentWebhook.Kind.WECOM,
                url="http://127.0.0.1:9/robot",
            ),
            complaint=complaint,
            event="work_order",
            text="新派工单",
        )
        calendar_day = CalendarDay.objects.create(date=dt.date(2026, 12, 1), is_working_day=False)
        settings = ReportingSettings.objects.create()
        dispatch = MonthlyReportDispatch.objects.create(month=dt.date(2026, 10, 1))
        data_access = DataAccess.objects.create(
            user=desk, kind=DataAccess.Kind.REVEAL, what=complaint.number, complaint=complaint
        )
    objects = {
        "complaints.complaint": complaint,
        "complaints.workorder": order,
        "complaints.deadlineextension": extension,
        "complaints.escalation": escalation,
        "reporting.correctiveaction": action,
        "complaints.department": f.department("security"),
        "complaints.staffprofile": security_head.staff_profile,
        "complaints.category": f.category(),
        "complaints.deskpolicy": DeskPolicy.current(),
        "complaints.officehours": OfficeHours.objects.first(),
        "complaints.slapolicy": SlaPolicy.objects.first(),
        "complaints.calendarday": calendar_day,
        "complaints.webhookmessage": robot_post,
        "reporting.reportingsettings": settings,
        "reporting.monthlyreportdispatch": dispatch,
        "complaints.dataaccess": data_access,
        "auth.user": security_head,
        "auth.group": Group.objects.get(name="department_head"),
        "residents.resident": complaint.resident,
        "residents.unit": complaint.resident.unit,
        "residents.building": complaint.resident.unit.building,
        "residents.property": complaint.resident.unit.building.property,
        "auditlog.logentry": LogEntry.objects.get_for_object(complaint).first(),
        "residents.messagetemplate": MessageTemplate.objects.order_by("pk").first(),
        "residents.residentmessage": ResidentMessage.objects.order_by("pk").first(),
        **_login_records(),
    }
    return World(
        users=users,
        complaint=complaint,
        work_order=order,
        attachment=attachment,
        extension=extension,
        escalation=escalation,
        action=action,
        notification=notification,
        saved_view=saved_view,
        security_head=security_head,
        objects=objects,
    )


def _login_records() -> dict:
    """A failed login, its failure log and a login record (django-axes)."""
    who = {"username": "zhou", "ip_address": "192.0.2.1", "user_agent": "x", "http_accept": "*/*"}
    return {
        "axes.accessattempt": AccessAttempt.objects.create(
            **who, path_info="/login/", attempt_time=NOW, failures_since_start=1
        ),
        "axes.accessfailurelog": AccessFailureLog.objects.create(
            **who, path_info="/login/", attempt_time=NOW
        ),
        "axes.accesslog": AccessLog.objects.create(**who, path_info="/login/", attempt_time=NOW),
    }


@contextlib.contextmanager
def as_role(client, world, role):
    client.logout()
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    with time_machine.travel(NOW, tick=False):
        yield


# --- the URL conf ---------------------------------------------------------------------------------
def all_urls():
    """(key, route, pattern) of every URL pattern: the key is its name (namespaced), or its
    route when it has none."""

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(x for x in (namespace, p.namespace) if x) or None
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                name = f"{namespace}:{p.name}" if namespace and p.name else p.name
                yield name or route, route, p

    yield from walk(get_resolver().url_patterns, "", None)


ADMIN_MODEL = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")


def fill(route: str, world: World) -> str:
    """The route with its parameters filled from the world."""
    model = ADMIN_MODEL.match(route)
    obj = world.objects.get(f"{model['app']}.{model['model']}") if model else None
    values = {
        "pk": world.complaint.pk,
        "attachment_id": world.attachment.pk,
        "extension_id": world.extension.pk,
        "order_id": world.work_order.pk,
        "escalation_id": world.escalation.pk,
        "view_id": world.saved_view.pk,
        "fmt": "csv",
        "key": "overdue",
        "name": "investigate",
        "transition_name": "resolve",
        "object_id": obj.pk if obj is not None else world.complaint.pk,
        "id": world.security_head.pk,
        "content_type_id": ContentType.objects.get_for_model(Complaint).pk,
        "app_label": "complaints",
        "url": "complaints/nothing-here/",
        "job": "0" * 32,  # a background import that does not exist (or is not this user's)
        "number": world.complaint.number,  # the residents' side names complaints by number
        "token": "not-a-rating-link",
    }

    def one(match):
        name = match.group("name")
        if name not in values:
            raise KeyError(f"no value for the path parameter {name!r} of {route!r}")
        return str(values[name])

    url = re.sub(r"\(\?P<(?P<name>\w+)>[^)]*\)", one, route)  # regular expressions
    url = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", one, url)  # path converters
    return "/" + url.replace("^", "").replace("$", "")


def observe(client, url: str) -> str:
    """What a GET of ``url`` answers, in the table's words: a status, ``L`` for a redirect
    to a login page, ``302>404`` for a redirect whose target answers 404."""
    response = client.get(url)
    status = response.status_code
    if status not in (301, 302):
        return str(status)
    target = response["Location"]
    if target.startswith(("/login/", "/admin/login/")):
        return "L"
    if target.startswith("/r/sign-in/"):
        return "R"
    if target.startswith(url):  # the admin's bare object URL, to its change page
        return f"{status}>{client.get(target).status_code}"
    return str(status)


# --- the table ------------------------------------------------------------------------------------
# One row per URL (its name, or its route when it has none); one column per role, in the order
# of ROLES.  ``L``: redirected to a login page.  ``R``: redirected to the residents' sign-in
# (a staff login is not a resident session; residents are a visitor of their own, see
# test_a_resident_session_reaches_what_an_anonymous_visitor_does).  ``302>404``: the admin's bare object URL, which
# redirects to the change page, which answers 404.  The department head is engineering's; every
# object in a URL is security's.
#                                                   anon    desk    night   superv  head    manager GM
EXPECTED: dict[str, str] = {
    # Exports (pages and admin) are a supervisor's and above: complaints.export_personal_data.
    # No login, nothing personal; 503 here because no SLA sweep has run in this world.
    "healthz": "503     503     503     503     503     503     503",
    "set_language": "302     302     302     302     302     302     302",
    "login": "200     302     302     302     302     302     302",
    "logout": "405     405     405     405     405     405     405",
    "admin:index": "L       L       200     200     200     200     200",
    "admin:login": "200     200     302     302     302     302     302",
    "admin:logout": "302     302     405     405     405     405     405",
    "admin:password_change": "L       L       200     200     200     200     200",
    "admin:password_change_done": "L       L       200     200     200     200     200",
    "admin:autocomplete": "L       L       403     403     403     403     403",
    "admin:jsi18n": "L       L       200     200     200     200     200",
    "admin:view_on_site": "L       L       404     404     404     404     404",
    "admin:auth_group_changelist": "L       L       403     403     403     403     403",
    "admin:auth_group_add": "L       L       403     403     403     403     403",
    "admin:auth_group_history": "L       L       403     403     403     403     403",
    "admin:auth_group_delete": "L       L       403     403     403     403     403",
    "admin:auth_group_change": "L       L       403     403     403     403     403",
    "admin/auth/group/<path:object_id>/": "L       L       302>403 302>403 302>403 302>403 302>403",
    "admin:auth_user_password_change": "L       L       403     403     403     403     403",
    "admin:auth_user_changelist": "L       L       403     403     403     403     403",
    "admin:auth_user_add": "L       L       403     403     403     403     403",
    "admin:auth_user_history": "L       L       403     403     403     403     403",
    "admin:auth_user_delete": "L       L       403     403     403     403     403",
    "admin:auth_user_change": "L       L       403     403     403     403     403",
    "admin/auth/user/<path:object_id>/": "L       L       302>403 302>403 302>403 302>403 302>403",
    "admin:residents_property_changelist": "L       L       200     200     200     200     200",
    "admin:residents_property_add": "L       L       403     403     403     403     403",
    "admin:residents_property_history": "L       L       200     200     200     200     200",
    "admin:residents_property_delete": "L       L       403     403     403     403     403",
    "admin:residents_property_change": "L       L       200     200     200     200     200",
    "admin/residents/property/<path:object_id>/": "L       L       302>200 302>200 302>200 302>200 302>200",
    "admin:residents_property_poster": "L       L       200     200     200     200     200",
    "admin:residents_property_poster_png": "L       L       200     200     200     200     200",
    "admin:residents_building_poster": "L       L       200     200     200     200     200",
    "admin:residents_building_poster_png": "L       L       200     200     200     200     200",
    "admin:residents_building_changelist": "L       L       200     200     200     200     200",
    "admin:residents_building_add": "L       L       403     403     403     403     403",
    "admin:residents_building_history": "L       L       200     200     200     200     200",
    "admin:residents_building_delete": "L       L       403     403     403     403     403",
    "admin:residents_building_change": "L       L       200     200     200     200     200",
    "admin/residents/building/<path:object_id>/": "L       L       302>200 302>200 302>200 302>200 302>200",
    "admin:residents_unit_changelist": "L       L       200     200     200     200     200",
    "admin:residents_unit_add": "L       L       200     200     403     200     200",
    "admin:residents_unit_history": "L       L       200     200     200     200     200",
    "admin:residents_unit_delete": "L       L       403     403     403     403     403",
    "admin:residents_unit_change": "L       L       200     200     200     200     200",
    "admin/residents/unit/<path:object_id>/": "L       L       302>200 302>200 302>200 302>200 302>200",
    "admin:residents_resident_process_import": "L       L       405     405     405     405     405",
    "admin:residents_resident_import": "L       L       200     200     403     200     200",
    "admin:residents_resident_import_job": "L       L       404     404     403     404     404",
    "admin:residents_resident_export": "L       L       403     200     403     200     200",
    "admin:residents_resident_changelist": "L       L       200     200     200     200     200",
    "admin:residents_resident_add": "L       L       200     200     403     200     200",
    "admin:residents_resident_history": "L       L       200     200     200     200     200",
    "admin:residents_resident_delete": "L       L       403     403     403     403     403",
    "admin:residents_resident_change": "L       L       200     200     200     200     200",
    "admin/residents/resident/<path:object_id>/": "L       L       302>200 302>200 302>200 302>200 302>200",
    "admin:residents_messagetemplate_changelist": "L       L       403     403     403     200     200",
    "admin:residents_messagetemplate_add": "L       L       403     403     403     403     403",
    "admin:residents_messagetemplate_history": "L       L       403     403     403     200     200",
    "admin:residents_messagetemplate_delete": "L       L       403     403     403     403     403",
    "admin:residents_messagetemplate_change": "L       L       403     403     403     200     200",
    "admin/residents/messagetemplate/<path:object_id>/": "L       L       302>403 302>403 302>403 302>200 302>200",
    # The outbox of text messages to residents: superusers only (phone numbers, links).
    "admin:residents_residentmessage_changelist": "L       L       403     403     403     403     403",
    "admin:residents_residentmessage_add": "L       L       403     403     403     403     403",
    "admin:residents_residentmessage_history": "L       L       403     403     403     403     403",
    "admin:residents_residentmessage_delete": "L       L       403     403     403     403     403",
    "admin:residents_residentmessage_change": "L       L       403     403     403     403     403",
    "admin/residents/residentmessage/<path:object_id>/": "L       L       302>403 302>403 302>403 302>403 302>403",
    "admin:complaints_department_changelist": "L       L       200     200     403     200     200",
    "admin:complaints_department_add": "L       L       403     403     403     403     403",
    "admin:complaints_department_history": "L       L       200     200     403     200     200",
    "admin:complaints_department_delete": "L       L       403     403     403     403     403",
    "admin:complaints_department_change": "L       L       200     200     403     200     200",
    "admin/complaints/department/<path:object_id>/": "L       L       302>200 302>200 302>403 302>200 302>200",
    "admin:complaints_staffprofile_changelist": "L       L       403     403     403     403     403",
    "admin:complaints_staffprofile_add": "L       L       403     403     403     403     403",
    "admin:complaints_staffprofile_history": "L       L       403     403     403     403     403",
    "admin:complaints_staffprofile_delete": "L       L       403     403     403     403     403",
    "admin:complaints_staffprofile_change": "L       L       403     403     403     403     403",
    "admin/complaints/staffprofile/<path:object_id>/": "L       L       302>403 302>403 302>403 302>403 302>403",
    "admin:complaints_category_changelist": "L       L       200     200     403     200     200",
    "admin:complaints_category_add": "L       L       403     403     403     200     200",
    "admin:complaints_category_history": "L       L       200     200     403     200     200",
    "admin:complaints_category_delete": "L       L       403     403     403     403     403",
    "admin:complaints_category_change": "L       L       200     200     403     200     200",
    "admin/complaints/category/<path:object_id>/": "L       L       302>200 302>200 302>403 302>200 302>200",
    "admin:complaints_deskpolicy_changelist": "L       L       403     403     403     200     200",
    "admin:complaints_deskpolicy_add": "L       L       403     403     403     403     403",
    "admin:complaints_deskpolicy_history": "L       L       403     403     403     200     200",
    "admin:complaints_deskpolicy_delete": "L       L       403     403     403     403     403",
    "admin:complaints_deskpolicy_change": "L       L       403     403     403     200     200",
    "admin/complaints/deskpolicy/<path:object_id>/": "L       L       302>403 302>403 302>403 302>200 302>200",
    "admin:complaints_officehours_changelist": "L       L       403     200     403     200     200",
    "admin:complaints_officehours_add": "L       L       403     403     403     403     403",
    "admin:complaints_officehours_history": "L       L       403     200     403     200     200",
    "admin:complaints_officehours_delete": "L       L       403     403     403     403     403",
    "admin:complaints_officehours_change": "L       L       403     200     403     200     200",
    "admin/complaints/officehours/<path:object_id>/": "L       L       302>403 302>200 302>403 302>200 302>200",
    "admin:complaints_complaint_process_import": "L       L       405     405     405     405     405",
    "admin:complaints_complaint_import": "L       L       200     200     403     200     200",
    "admin:complaints_complaint_import_job": "L       L       404     404     403     404     404",
    "admin:complaints_complaint_export": "L       L       403     200     403     200     200",
    "admin:complaints_complaint_transition": "L       L       302     302     404     200     200",
    "admin:complaints_complaint_changelist": "L       L       200     200     200     200     200",
    "admin:complaints_complaint_add": "L       L       403     403     403     403     403",
    "admin:complaints_complaint_history": "L       L       200     200     404     200     200",
    "admin:complaints_complaint_delete": "L       L       403     403     404     403     403",
    "admin:complaints_complaint_change": "L       L       200     200     404     200     200",
    "admin/complaints/complaint/<path:object_id>/": "L       L       302>200 302>200 302>404 302>200 302>200",
    "admin:complaints_workorder_changelist": "L       L       200     200     200     200     200",
    "admin:complaints_workorder_add": "L       L       403     403     403     403     403",
    "admin:complaints_workorder_history": "L       L       200     200     404     200     200",
    "admin:complaints_workorder_delete": "L       L       403     403     404     403     403",
    "admin:complaints_workorder_change": "L       L       200     200     404     200     200",
    "admin/complaints/workorder/<path:object_id>/": "L       L       302>200 302>200 302>404 302>200 302>200",
    "admin:complaints_slapolicy_changelist": "L       L       403     200     403     200     200",
    "admin:complaints_slapolicy_add": "L       L       403     403     403     403     403",
    "admin:complaints_slapolicy_history": "L       L       403     200     403     200     200",
    "admin:complaints_slapolicy_delete": "L       L       403     403     403     403     403",
    "admin:complaints_slapolicy_change": "L       L       403     200     403     200     200",
    "admin/complaints/slapolicy/<path:object_id>/": "L       L       302>403 302>200 302>403 302>200 302>200",
    "admin:complaints_calendarday_changelist": "L       L       403     200     403     200     200",
    "admin:complaints_calendarday_add": "L       L       403     403     403     200     200",
    "admin:complaints_calendarday_history": "L       L       403     200     403     200     200",
    "admin:complaints_calendarday_delete": "L       L       403     403     403     200     200",
    "admin:complaints_calendarday_change": "L       L       403     200     403     200     200",
    "admin/complaints/calendarday/<path:object_id>/": "L       L       302>403 302>200 302>403 302>200 302>200",
    "admin:complaints_deadlineextension_changelist": "L       L       403     200     200     200     200",
    "admin:complaints_deadlineextension_add": "L       L       403     403     403     403     403",
    "admin:complaints_deadlineextension_history": "L       L       403     200     404     200     200",
    "admin:complaints_deadlineextension_delete": "L       L       403     403     404     403     403",
    "admin:complaints_deadlineextension_change": "L       L       403     200     404     200     200",
    "admin/complaints/deadlineextension/<path:object_id>/": "L       L       302>403 302>200 302>404 302>200 302>200",
    "admin:complaints_dataaccess_changelist": "L       L       403     403     403     200     200",
    "admin:complaints_dataaccess_add": "L       L       403     403     403     403     403",
    "admin:complaints_dataaccess_history": "L       L       403     403     403     200     200",
    "admin:complaints_dataaccess_delete": "L       L       403     403     403     403     403",
    "admin:complaints_dataaccess_change": "L       L       403     403     403     200     200",
    "admin/complaints/dataaccess/<path:object_id>/": "L       L       302>403 302>403 302>403 302>200 302>200",
    "admin:complaints_escalation_changelist": "L       L       200     200     403     200     200",
    "admin:complaints_escalation_add": "L       L       403     403     403     403     403",
    "admin:complaints_escalation_history": "L       L       200     200     404     200     200",
    "admin:complaints_escalation_delete": "L       L       403     403     404     403     403",
    "admin:complaints_escalation_change": "L       L       200     200     404     200     200",
    "admin/complaints/escalation/<path:object_id>/": "L       L       302>200 302>200 302>404 302>200 302>200",
    "admin:complaints_webhookmessage_changelist": "L       L       403     403     403     403     403",
    "admin:complaints_webhookmessage_add": "L       L       403     403     403     403     403",
    "admin:complaints_webhookmessage_history": "L       L       403     403     403     403     403",
    "admin:complaints_webhookmessage_delete": "L       L       403     403     403     403     403",
    "admin:complaints_webhookmessage_change": "L       L       403     403     403     403     403",
    "admin/complaints/webhookmessage/<path:object_id>/": "L       L       302>403 302>403 302>403 302>403 302>403",
    "admin:reporting_monthlystatistics_changelist": "L       403     403     200     403     200     200",
    "admin:reporting_monthlystatistics_xlsx": "L       403     403     200     403     200     200",
    "admin:reporting_monthlystatistics_csv": "L       403     403     200     403     200     200",
    "admin:reporting_monthlystatistics_print": "L       403     403     200     403     200     200",
    "admin:reporting_correctiveaction_changelist": "L       L       403     200     403     200     200",
    "admin:reporting_correctiveaction_add": "L       L       403     200     403     200     200",
    "admin:reporting_correctiveaction_history": "L       L       403     200     404     200     200",
    "admin:reporting_correctiveaction_delete": "L       L       403     403     404     403     403",
    "admin:reporting_correctiveaction_change": "L       L       403     200     404     200     200",
    "admin/reporting/correctiveaction/<path:object_id>/": "L       L       302>403 302>200 302>404 302>200 302>200",
    "admin:reporting_reportingsettings_changelist": "L       L       403     403     403     200     200",
    "admin:reporting_reportingsettings_add": "L       L       403     403     403     403     403",
    "admin:reporting_reportingsettings_history": "L       L       403     403     403     200     200",
    "admin:reporting_reportingsettings_delete": "L       L       403     403     403     403     403",
    "admin:reporting_reportingsettings_change": "L       L       403     403     403     200     200",
    "admin/reporting/reportingsettings/<path:object_id>/": "L       L       302>403 302>403 302>403 302>200 302>200",
    "admin:reporting_monthlyreportdispatch_changelist": "L       L       403     403     403     200     200",
    "admin:reporting_monthlyreportdispatch_add": "L       L       403     403     403     403     403",
    "admin:reporting_monthlyreportdispatch_history": "L       L       403     403     403     200     200",
    "admin:reporting_monthlyreportdispatch_delete": "L       L       403     403     403     403     403",
    "admin:reporting_monthlyreportdispatch_change": "L       L       403     403     403     200     200",
    "admin/reporting/monthlyreportdispatch/<path:object_id>/": "L       L       302>403 302>403 302>403 302>200 302>200",
    # Failed logins and lockouts (django-axes): managers read them, nobody edits them.
    "admin:axes_accessattempt_changelist": "L       L       403     403     403     200     200",
    "admin:axes_accessattempt_add": "L       L       403     403     403     403     403",
    "admin:axes_accessattempt_history": "L       L       403     403     403     200     200",
    "admin:axes_accessattempt_delete": "L       L       403     403     403     403     403",
    "admin:axes_accessattempt_change": "L       L       403     403     403     200     200",
    "admin/axes/accessattempt/<path:object_id>/": "L       L       302>403 302>403 302>403 302>200 302>200",
    "admin:axes_accesslog_changelist": "L       L       403     403     403     200     200",
    "admin:axes_accesslog_add": "L       L       403     403     403     403     403",
    "admin:axes_accesslog_history": "L       L       403     403     403     200     200",
    "admin:axes_accesslog_delete": "L       L       403     403     403     403     403",
    "admin:axes_accesslog_change": "L       L       403     403     403     200     200",
    "admin/axes/accesslog/<path:object_id>/": "L       L       302>403 302>403 302>403 302>200 302>200",
    "admin:axes_accessfailurelog_changelist": "L       L       403     403     403     200     200",
    "admin:axes_accessfailurelog_add": "L       L       403     403     403     403     403",
    "admin:axes_accessfailurelog_history": "L       L       403     403     403     200     200",
    "admin:axes_accessfailurelog_delete": "L       L       403     403     403     403     403",
    "admin:axes_accessfailurelog_change": "L       L       403     403     403     200     200",
    "admin/axes/accessfailurelog/<path:object_id>/": "L       L       302>403 302>403 302>403 302>200 302>200",
    # Who changed what (django-auditlog): managers read it, nobody edits or deletes it.
    "admin:auditlog_logentry_changelist": "L       L       403     403     403     200     200",
    "admin:auditlog_logentry_add": "L       L       403     403     403     403     403",
    "admin:auditlog_logentry_history": "L       L       403     403     403     200     200",
    "admin:auditlog_logentry_delete": "L       L       403     403     403     403     403",
    "admin:auditlog_logentry_change": "L       L       403     403     403     200     200",
    "admin/auditlog/logentry/<path:object_id>/": "L       L       302>403 302>403 302>403 302>200 302>200",
    "admin:app_list": "L       L       200     200     200     200     200",
    "admin/(?P<url>.*)$": "L       L       404     404     404     404     404",
    "residents:search": "L       200     200     200     200     200     200",
    # The residents' side: sign-in is public (staff see a notice to log out of the desk);
    # everything else needs a resident session, which no staff login is.
    "portal:home": "R       R       R       R       R       R       R",
    "portal:sign-in": "200     200     200     200     200     200     200",
    "portal:sign-in-code": "R       R       R       R       R       R       R",
    "portal:sign-out": "405     405     405     405     405     405     405",
    "portal:submit": "R       R       R       R       R       R       R",
    "portal:complaint": "R       R       R       R       R       R       R",
    "portal:complaint-add": "405     405     405     405     405     405     405",
    "portal:complaint-withdraw": "405     405     405     405     405     405     405",
    "home": "L       200     200     200     200     200     200",
    "complaint-list": "L       200     200     200     200     200     200",
    "complaint-intake": "L       200     200     200     403     200     200",
    "intake-history": "L       200     200     200     403     200     200",
    "intake-group-hint": "L       200     200     200     403     200     200",
    "revisit-queue": "L       200     200     200     403     200     200",
    "complaint-detail": "L       200     200     200     404     200     200",
    "complaint-confirm": "L       302     302     302     403     302     302",
    "complaint-action": "L       405     405     405     405     405     405",
    "complaint-dispatch": "L       405     405     405     405     405     405",
    "complaint-progress": "L       405     405     405     405     405     405",
    "complaint-attach": "L       405     405     405     405     405     405",
    "complaint-phone": "L       405     405     405     405     405     405",
    "complaint-print": "L       200     200     200     404     200     200",
    "attachment-download": "L       200     200     200     404     200     200",
    "extension-request": "L       405     405     405     405     405     405",
    "complaint-agree": "L       405     405     405     405     405     405",
    "complaint-book-revisit": "L       405     405     405     405     405     405",
    "extension-decide": "L       405     405     405     405     405     405",
    "notifications": "L       200     200     200     200     200     200",
    "notifications-read": "L       405     405     405     405     405     405",
    "notification-preferences": "L       200     200     200     200     200     200",
    "escalations": "L       200     200     200     403     200     200",
    "escalation-acknowledge": "L       405     405     405     403     405     405",
    "escalation-assign": "L       405     405     405     403     405     405",
    "complaint-export": "L       403     403     200     403     200     200",
    "revisit-export": "L       403     403     200     403     200     200",
    "queue-export": "L       403     403     200     403     200     200",
    "work-order-export": "L       403     403     403     403     200     200",
    "saved-view-create": "L       405     405     405     405     405     405",
    "saved-view-open": "L       404     404     404     404     404     404",
    "saved-view-delete": "L       405     405     405     405     405     405",
    "work-orders": "L       403     403     403     200     200     200",
    "work-order-sign": "L       405     405     405     405     405     405",
    # The rating link sent by SMS: no sign-in; an unknown token is a clear 404 page for all.
    "rating:rate": "404     404     404     404     404     404     404",
}

# Answer without signing in (everything else sends an anonymous visitor to a login page).
PUBLIC = {
    "set_language",
    "login",
    "logout",
    "admin:login",
    "admin:logout",
    "healthz",
    "rating:rate",
}
# The residents' side answers these without a resident session; the rest of it sends anybody
# without one (anonymous or staff) to the residents' sign-in (``R``).
RESIDENT_PUBLIC = {
    "portal:sign-in",
    "portal:sign-out",
    "portal:complaint-add",
    "portal:complaint-withdraw",
}


def is_resident_side(key: str) -> bool:
    return key.startswith("portal:")


# The parameters that name an object of security, and the admin models whose objects belong
# to a complaint: for these URLs the head of engineering must get 404, or 403 where the page
# is forbidden to the role (405: a POST-only endpoint, which test_post_as_another_department
# covers).
OBJECT_PARAMETERS = re.compile(
    r"<(?:int:)?(pk|attachment_id|extension_id|order_id|escalation_id|view_id)>"
)
COMPLAINT_OWNED_ADMIN = {
    "complaints.complaint",
    "complaints.workorder",
    "complaints.deadlineextension",
    "complaints.escalation",
    "reporting.correctiveaction",
}
NOT_THERE = {"403", "404", "405", "302>403", "302>404"}


def names_another_departments_object(route: str) -> bool:
    model = ADMIN_MODEL.match(route)
    if model and f"{model['app']}.{model['model']}" in COMPLAINT_OWNED_ADMIN:
        return "<path:object_id>" in route
    return bool(OBJECT_PARAMETERS.search(route))


def expected(key: str) -> dict[str, str]:
    return dict(zip(ROLES, EXPECTED[key].split(), strict=True))


# --- the tests ------------------------------------------------------------------------------------
def test_every_url_of_the_project_is_in_the_table():
    keys = [key for key, _route, _pattern in all_urls()]
    missing = [key for key in keys if key not in EXPECTED]
    assert not missing, (
        f"New URL(s) {missing}: add a row for each to EXPECTED in tests/test_permission_matrix.py "
        f"with the status every role should get ({', '.join(ROLES)}); a new URL cannot be "
        "forgotten.  If it names an object, make sure fill() gives it another department's."
    )
    stale = sorted(set(EXPECTED) - set(keys))
    assert not stale, f"EXPECTED names URLs that no longer exist: {stale}; remove their rows."


def test_the_table_keeps_the_rules():
    """Nobody can make the matrix pass by writing a hole into the table."""
    broken = []
    for key, route, _pattern in all_urls():
        if key not in EXPECTED:
            continue
        row = expected(key)
        if "500" in row.values():
            broken.append(f"{key}: 500 is never expected")
        if is_resident_side(key):
            if key not in RESIDENT_PUBLIC and row[ANONYMOUS] != "R":
                broken.append(f"{key}: anonymous must be sent to the residents' sign-in")
            if len(set(row.values())) != 1:
                broken.append(f"{key}: a staff login must get what anonymous gets here")
        elif key not in PUBLIC and row[ANONYMOUS] != "L":
            broken.append(f"{key}: anonymous must be sent to log in, not {row[ANONYMOUS]}")
        if names_another_departments_object(route) and row["department_head"] not in NOT_THERE:
            broken.append(
                f"{key}: another department's object must be 404/403 for a department head, "
                f"not {row['department_head']}"
            )
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_table_says(world, role):
    client = Client(raise_request_exception=False)  # an exception is a 500 in the report
    wrong = []
    for key, route, _pattern in all_urls():
        if key not in EXPECTED:
            continue  # test_every_url_of_the_project_is_in_the_table says which
        url = fill(route, world)
        with as_role(client, world, role):
            got = observe(client, url)
        want = expected(key)[role]
        if got != want:
            wrong.append(f"GET {url} ({key}) as {role}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)


# --- POSTing to another department's complaint ------------------------------------------------------
def _form_data(world) -> dict:
    """Valid-looking input for every form a complaint page posts (each view reads its own
    prefix), so that a missing visibility check would reach the service."""
    later = "2026-11-20T10:00"
    data = {
        "dispatch-department": f.department("engineering").pk,
        "dispatch-instructions": "去看看",
        "progress-note": "在处理",
        "extension-new_due_at": later,
        "extension-reason": "等配件",
        "agree-due_at": later,
        "agree-note": "住户同意",
        "booking-at": later,
        "booking-note": "下午回访",
        f"decide{world.extension.pk}-decision": "approve",
        f"decide{world.extension.pk}-note": "同意",
        "next": "/",
    }
    fields = {
        "severity": "minor",
        "category": f.category().pk,
        "validity": "valid",
        "responsibility": "class1",
        "department": f.department("engineering").pk,
        "explanation": "说明",
        "plan": "计划",
        "result": "已处理",
        "method": "phone",
        "satisfaction": "satisfied",
        "reason": "理由",
        "summary": "小结",
        "how": "phone",
        "note": "备注",
        "to": world.users["department_head"].pk,
    }
    for name in ACTIONS:
        data.update({f"{name}-{field}": value for field, value in fields.items()})
    data.update(fields)  # the admin's transition forms have no prefix
    return data


def _fingerprint() -> dict:
    """Every row a POST could change."""
    models = [
        Complaint,
        WorkOrder,
        Attachment,
        DeadlineExtension,
        Escalation,
        ComplaintEvent,
        Revisit,
        Clock,
        Notification,
        SavedView,
        CorrectiveAction,
        CorrectiveAction.complaints.through,
    ]
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


def _post_targets(world) -> list[tuple[str, str]]:
    targets = []
    for key, route, _pattern in all_urls():
        if not names_another_departments_object(route) or route.endswith("<path:object_id>/"):
            continue  # the bare admin object URL only redirects
        if "<slug:name>" in route or "<str:transition_name>" in route:
            for name in ACTIONS:
                url = fill(route, world).replace("/investigate/", f"/{name}/")
                url = url.replace("/transition/resolve/", f"/transition/{name}/")
                targets.append((f"{key}[{name}]", url))
        else:
            targets.append((key, fill(route, world)))
    return targets


def test_post_as_another_department_is_refused_and_changes_nothing(world):
    client = Client(raise_request_exception=False)
    data = _form_data(world)
    before = _fingerprint()
    wrong = []
    with as_role(client, world, "department_head"):
        for key, url in _post_targets(world):
            payload = dict(data, attachments=ContentFile(PDF, name="x.pdf"))
            status = client.post(url, payload).status_code
            if status not in (403, 404):
                wrong.append(f"POST {url} ({key}) as engineering's head: {status}")
        # Marking someone else's notification read: answered, but nothing changes.
        client.post("/notifications/read/", {"id": [world.notification.pk]})
    assert not wrong, "\n".join(wrong)
    assert _fingerprint() == before


# --- residents: a visitor of their own ------------------------------------------------------------
def _as_resident(client, phone: str) -> None:
    """Give ``client`` a resident session for ``phone`` (what the SMS sign-in leaves)."""
    from django.conf import settings

    from residents.portal import session as portal_session

    client.logout()
    session = client.session
    until = NOW.timestamp() + settings.RESIDENT_SESSION_DAYS * 86400
    session[portal_session.KEY] = {"phone": phone, "until": until}
    session.save()


def test_a_resident_session_reaches_what_an_anonymous_visitor_does(world):
    """Staff pages and the admin: a resident is anonymous there (never a Django user)."""
    client = Client(raise_request_exception=False)
    wrong = []
    with time_machine.travel(NOW, tick=False):
        _as_resident(client, world.complaint.contact_phone.as_e164)
        for key, route, _pattern in all_urls():
            if key not in EXPECTED or is_resident_side(key):
                continue
            url = fill(route, world)
            got, want = observe(client, url), expected(key)[ANONYMOUS]
            if got != want:
                wrong.append(f"GET {url} ({key}) as a resident: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)


def test_the_residents_side_with_another_residents_ids_is_404_and_changes_nothing(world):
    client = Client(raise_request_exception=False)
    wrong = []
    before = _fingerprint()
    with time_machine.travel(NOW, tick=False):
        owner = Client(raise_request_exception=False)
        _as_resident(owner, world.complaint.contact_phone.as_e164)
        assert owner.get(f"/r/c/{world.complaint.number}/").status_code == 200
        _as_resident(client, "+8613600009999")  # signed in, but not this complaint's
        for key, route, _pattern in all_urls():
            if not is_resident_side(key) or "<" not in route:
                continue
            url = fill(route, world)
            status = client.get(url).status_code
            if status not in (404, 405):
                wrong.append(f"GET {url} ({key}) as another resident: {status}")
            status = client.post(url, {"text": "x", "reason": "x"}).status_code
            if status != 404:
                wrong.append(f"POST {url} ({key}) as another resident: {status}")
    assert not wrong, "\n".join(wrong)
    assert _fingerprint() == before
