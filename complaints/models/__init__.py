"""Complaint models, one module per part: organisation, taxonomy, the complaint, its work."""

from .complaint import Complaint, ComplaintSequence
from .org import Department, StaffProfile
from .sla import CalendarDay, Clock, DeadlineExtension, Escalation, Notification, SlaPolicy
from .taxonomy import Category, DeskPolicy, OfficeHours
from .work import Attachment, ComplaintEvent, Revisit, WorkOrder

__all__ = [
    "Attachment",
    "CalendarDay",
    "Category",
    "Clock",
    "Complaint",
    "ComplaintEvent",
    "ComplaintSequence",
    "DeadlineExtension",
    "Department",
    "DeskPolicy",
    "Escalation",
    "Notification",
    "OfficeHours",
    "Revisit",
    "SlaPolicy",
    "StaffProfile",
    "WorkOrder",
]
