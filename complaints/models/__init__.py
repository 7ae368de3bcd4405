"""Complaint models, one module per part: organisation, taxonomy, the complaint, its work."""

from .complaint import Complaint, ComplaintSequence
from .org import Department, StaffProfile
from .sla import (
    CalendarDay,
    Clock,
    DataAccess,
    DeadlineExtension,
    DepartmentWebhook,
    Escalation,
    Notification,
    NotificationEvent,
    NotificationPreference,
    SavedView,
    SlaPolicy,
    WebhookMessage,
)
from .taxonomy import Category, DeskPolicy, OfficeHours
from .tokens import UsedFormToken
from .work import Attachment, ComplaintEvent, Revisit, WorkOrder

__all__ = [
    "Attachment",
    "CalendarDay",
    "Category",
    "Clock",
    "Complaint",
    "ComplaintEvent",
    "ComplaintSequence",
    "DataAccess",
    "DeadlineExtension",
    "Department",
    "DepartmentWebhook",
    "DeskPolicy",
    "Escalation",
    "Notification",
    "NotificationEvent",
    "NotificationPreference",
    "OfficeHours",
    "Revisit",
    "SavedView",
    "SlaPolicy",
    "StaffProfile",
    "UsedFormToken",
    "WebhookMessage",
    "WorkOrder",
]
