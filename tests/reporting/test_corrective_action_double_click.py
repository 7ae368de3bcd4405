"""The corrective-action form of the admin, double-clicked, adds one action."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from complaints import form_tokens
from complaints.form_tokens import FIELD, new_token
from reporting.models import CorrectiveAction

pytestmark = pytest.mark.django_db

ADD = "admin:reporting_correctiveaction_add"


def test_a_double_clicked_corrective_action_is_added_once(client, october, manager):
    client.force_login(manager)
    before = CorrectiveAction.objects.count()
    page = client.get(reverse(ADD)).content.decode()
    assert f'name="{FIELD}"' in page
    data = {
        "title": "维修超时",
        "complaints": [october["C"].pk],
        "cause_analysis": "配件采购流程长",
        "action": "常用配件备库",
        "owner": manager.pk,
        "due_date": "2026-11-30",
        "verification_note": "",
        FIELD: new_token(),
    }
    first = client.post(reverse(ADD), data)
    second = client.post(reverse(ADD), data)
    assert first.status_code == 302 and second.status_code == 302
    said = " ".join(str(m) for m in get_messages(second.wsgi_request))
    assert str(form_tokens.SENT_BEFORE) in said  # in the page's language
    assert CorrectiveAction.objects.filter(title="维修超时").count() == 1
    assert CorrectiveAction.objects.get(title="维修超时").complaints.count() == 1
    # A new form is a new action.
    client.post(reverse(ADD), {**data, FIELD: new_token(), "title": "另一项"})
    assert CorrectiveAction.objects.count() == before + 2
