"""Who changed what, with the old and the new values (django-auditlog).

Complaints, residents, the SLA and desk policies and the staff accounts are registered; each
save or delete writes a :class:`auditlog.models.LogEntry` naming the person (from the request,
see :class:`config.middleware.AuditActorMiddleware`) and the changed fields before and after.
Managers read the entries in the admin (read only, ``auditlog.view_logentry`` in
:mod:`complaints.roles`).  The rest of the record lives elsewhere: reveals and exports of
residents' data in :class:`complaints.models.DataAccess`, logins and failed logins in
django-axes' access log, a complaint's own story in its timeline.
"""

from __future__ import annotations

# Fields that change without anyone deciding anything, or must not be copied anywhere.
USER_EXCLUDED = ["last_login"]
USER_MASKED = ["password"]


def register_audited_models() -> None:
    from auditlog.registry import auditlog
    from django.contrib.auth import get_user_model

    from residents.models import Resident

    from .models import Complaint, DeskPolicy, SlaPolicy

    # Residents' numbers are personal data: the trail says a number changed, and shows it
    # masked as the pages do for those who do not call residents (full numbers stay in one
    # place, the record itself, behind the reveal that is logged).
    masked = {Complaint: ["contact_phone"], Resident: ["phone", "phone_alt"]}
    for model in (Complaint, Resident, SlaPolicy, DeskPolicy):
        if not auditlog.contains(model):
            auditlog.register(model, mask_fields=masked.get(model, []))
    user = get_user_model()
    if not auditlog.contains(user):
        auditlog.register(
            user,
            exclude_fields=USER_EXCLUDED,
            mask_fields=USER_MASKED,
            m2m_fields={"groups"},
        )
