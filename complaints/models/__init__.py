"""Complaint models, one module per part: organisation, taxonomy, the complaint, its work."""

from .complaint import Complaint, ComplaintSequence
from .org import Department, StaffProfile
from .taxonomy import Category, DeskPolicy
from .work import Attachment, ComplaintEvent, Revisit, WorkOrder

__all__ = [
    "Attachment",
    "Category",
    "Complaint",
    "ComplaintEvent",
    "ComplaintSequence",
    "Department",
    "DeskPolicy",
    "Revisit",
    "StaffProfile",
    "WorkOrder",
]
