"""Every write to a complaint goes through a service here: the UI, admin, import and tasks.

Each service runs in one transaction, checks who may act and whether the complaint is ready,
records a timeline row, and raises :class:`ServiceError` (or ``PermissionDenied``) with a
sentence a person can act on.  Concurrent conflicting actions raise :class:`Conflict`.
"""

from .agreements import complaint_agree_deadline, complaint_book_revisit
from .classify import complaint_reclassify
from .desk import DispatchChoice, complaint_add_report, complaint_register, submitted_before
from .errors import Conflict, ServiceError
from .escalations import escalation_acknowledge, escalation_assign
from .intake import attachment_add, attachments_add, complaint_create, validate_upload
from .lists import export_record, saved_view_create, saved_view_delete
from .procedure import (
    complaint_propose_archive,
    complaint_refuse_final_answer,
    complaint_reject_plan,
    complaint_tell_result,
    complaint_transfer_owner,
    phone_reveal,
)
from .workflow import (
    complaint_close,
    complaint_close_invalid,
    complaint_confirm,
    complaint_dispatch,
    complaint_investigate,
    complaint_progress,
    complaint_reopen,
    complaint_resolve,
    complaint_revisit,
    work_order_sign,
)

__all__ = [
    "Conflict",
    "DispatchChoice",
    "ServiceError",
    "attachment_add",
    "attachments_add",
    "complaint_add_report",
    "complaint_agree_deadline",
    "complaint_book_revisit",
    "complaint_close",
    "complaint_close_invalid",
    "complaint_confirm",
    "complaint_create",
    "complaint_dispatch",
    "complaint_investigate",
    "complaint_progress",
    "complaint_propose_archive",
    "complaint_reclassify",
    "complaint_refuse_final_answer",
    "complaint_register",
    "complaint_reject_plan",
    "complaint_reopen",
    "complaint_resolve",
    "complaint_revisit",
    "complaint_tell_result",
    "complaint_transfer_owner",
    "escalation_acknowledge",
    "escalation_assign",
    "export_record",
    "phone_reveal",
    "saved_view_create",
    "saved_view_delete",
    "submitted_before",
    "validate_upload",
    "work_order_sign",
]
