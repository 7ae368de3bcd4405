"""The benchmark's data, checked as facts (never timings): a small load has every state and
channel, the search tokens the app would write, phones stored in E.164 and found by the forms
people type (national, E.164, last four digits), JSON facts as objects, and a roll-up whose
totals are the complaints'."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone

from bench.data import Loader
from complaints import search, selectors
from complaints.demo import seed_staff
from complaints.models import Complaint, ComplaintEvent
from reporting import rollup
from reporting.models import DailyFigures
from residents.demo import seed_registry

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
N = 600


@pytest.fixture
def loaded():
    with time_machine.travel(NOW, tick=False):
        seed_registry()
        seed_staff()
        users = {u.username: u for u in get_user_model().objects.prefetch_related("groups")}
        loader = Loader(now=timezone.now(), users=users)
        loader.load(N)
        loader.save_sequences()
        yield users


def test_a_small_load_has_every_state_and_many_channels(loaded):
    assert Complaint.objects.count() == N
    states = set(Complaint.objects.values_list("state", flat=True))
    # (Only the last half hour's complaints are still waiting: too few at this N to count on.)
    assert states >= set(Complaint.State.values) - {"received"}
    assert Complaint.objects.values("channel").distinct().count() >= 5
    severities = {
        s: Complaint.objects.filter(severity=s).count() for s in ("minor", "important", "major")
    }
    assert severities["minor"] > severities["important"] > severities["major"] > 0
    assert Complaint.objects.values("number").distinct().count() == N


def test_tokens_are_what_the_app_writes(loaded):
    for c in Complaint.objects.order_by("pk")[::12]:
        assert c.search_tokens == search.document_of(c.contact_name, c.description, c.location)


def test_phones_are_e164_and_found_as_people_type_them(loaded):
    manager = loaded["manager"]
    c = Complaint.objects.filter(resident__isnull=False).order_by("pk").first()
    stored = Complaint.objects.filter(pk=c.pk).values_list("contact_phone", flat=True)
    e164 = c.contact_phone.as_e164
    assert e164.startswith("+86") and len(e164) == 14
    # What is in the column is E.164 text itself (the loader once wrote the national display).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM complaints_complaint WHERE id = %s", [c.pk])
        assert cursor.fetchone()[0] == e164
    assert stored.exists()
    national = e164.removeprefix("+86")
    for typed in (national, e164, national[-4:]):
        found = selectors.complaints_search(manager, selectors.SearchParams(q=typed))
        assert found.filter(pk=c.pk).exists(), typed


def test_json_facts_are_objects(loaded):
    params = ComplaintEvent.objects.exclude(params={}).values_list("params", flat=True).first()
    assert params is None or isinstance(params, dict)


def test_the_rollup_adds_up_to_the_complaints(loaded):
    with time_machine.travel(NOW, tick=False):
        rollup.rebuild_all()
    company = DailyFigures.objects.filter(grain=DailyFigures.Grain.COMPANY)
    assert company.aggregate(n=Sum("total"))["n"] == N
    resolved = Complaint.objects.filter(resolved_at__isnull=False).count()
    assert company.aggregate(n=Sum("resolved"))["n"] == resolved
