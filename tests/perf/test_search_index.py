"""The free-text search from its index (complaints.search) finds exactly what a plain scan of
the same fields finds, on random text, for terms of one, two and more characters, a phone's
last four digits, phone and number fragments, rooms and complete numbers; the masked roles
still match only the end of a phone."""

from __future__ import annotations

import random

import pytest

from complaints import permissions as perms
from complaints import search, selectors
from complaints.models import Complaint
from residents.models import Unit
from tests.complaints import factories as f

pytestmark = pytest.mark.django_db

ALPHABET = "电梯漏水噪音停车坏了楼道灯门禁AbCdxyz0123456789 -，."


def _text(rng, low, high):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(low, high)))


def _scan(user, text: str) -> list[int]:
    """The search as it was before the index: every field read row by row, newest first."""
    from django.db.models import Q

    qs = selectors.complaints_for_list(user)
    digits = "".join(ch for ch in text if ch.isdigit())
    q = (
        Q(contact_name__icontains=text)
        | Q(resident__name__icontains=text)
        | Q(description__icontains=text)
        | Q(location__icontains=text)
    )
    if digits and digits == text.replace(" ", "").replace("-", ""):
        if perms.can_reveal_phone(user) and len(digits) >= 3:
            q |= Q(contact_phone__contains=digits)
        else:
            q |= Q(contact_phone__endswith=digits)
        q |= Q(number__endswith=digits)
    return list(
        qs.filter(q | Q(unit__in=Unit.objects.matching_room(text)))
        .order_by("-received_at", "-id")
        .values_list("pk", flat=True)
    )


@pytest.fixture(params=["by id", "walking the list"])
def plan(request, monkeypatch):
    """Both ways SQLite reads a search (the others ignore these limits): the index's
    candidates and the phone and number fragments fetched by id (few of them), or the
    newest-first list walked and each row tested (many)."""
    if request.param == "walking the list":
        monkeypatch.setattr(search, "SCAN_FROM", 1)
        monkeypatch.setattr(selectors, "ID_LIST_LIMIT", 0)
    else:
        monkeypatch.setattr(search, "SCAN_FROM", 10**6)
    return request.param


@pytest.fixture
def random_complaints(db):
    rng = random.Random(20261204)
    desk = f.staff("front_desk")
    units = [f.unit(str(rng.randint(101, 1805)), building=str(rng.randint(1, 4))) for _ in range(8)]
    residents = [
        f.resident(name=_text(rng, 2, 4), phone=f"+86139{rng.randrange(10**8):08d}", unit=u)
        for u in units
    ]
    made = []
    engineering = f.department()
    for _ in range(120):
        res = rng.choice([*residents, None])
        c = Complaint(
            number=f"TS-202611-{len(made) + 1:04d}",
            channel="phone",
            description=_text(rng, 0, 40),
            location=_text(rng, 0, 8),
            contact_name=res.name if res else _text(rng, 1, 4),
            contact_phone=res.phone if res else f"+86138{rng.randrange(10**8):08d}",
            resident=res,
            unit=res.unit if res else rng.choice([*units, None]),
            received_by=desk,
            department=engineering if rng.random() < 0.5 else None,
        )
        c.save()
        made.append(c)
    # Edits go through save() too: the tokens follow the text.
    for c in rng.sample(made, 20):
        c.description = _text(rng, 0, 30)
        c.save(update_fields=["description"])
    return rng, made, units


def _terms(rng, made, units):
    terms = []
    for c in rng.sample(made, 30):
        source = rng.choice([c.description, c.contact_name, c.location]) or c.description
        for length in (1, 2, 3, 5):
            if len(source) >= length:
                start = rng.randrange(len(source) - length + 1)
                terms.append(source[start : start + length])
        phone = str(c.contact_phone)
        terms += [phone[-4:], phone[5:11], phone[-2:], c.number[-4:], c.number[-3:]]
    terms += [_text(rng, 1, 3) for _ in range(20)]  # mostly misses
    terms += ["abc", "ABC", "电梯", "梯漏水", "x", "，", "-", "楼道 灯", "3-2-1201"]
    terms += [f"{u.building.number}-{u.stairway}-{u.room}" for u in units[:3]]
    return [t for t in terms if t.strip()]


@pytest.mark.parametrize("role", ["manager", "front_desk", "department_head"])
def test_index_finds_what_the_scan_finds(random_complaints, role, plan):
    rng, made, units = random_complaints
    user = f.staff(role, department_code="engineering" if role == "department_head" else None)
    # Two complaints at the same moment: the id breaks the tie in both.
    Complaint.objects.filter(pk=made[1].pk).update(received_at=made[0].received_at)
    for term in _terms(rng, made, units):
        found = list(
            selectors.complaints_search(user, selectors.SearchParams(q=term)).values_list(
                "pk", flat=True
            )
        )
        text = term.strip()
        if text.upper().startswith("TS") or (
            sum(ch.isdigit() for ch in text) >= 7 and all(ch.isdigit() or ch in " -" for ch in text)
        ):
            continue  # numbers and complete phones have their own exact paths
        assert found == _scan(user, text), term


def test_masked_roles_match_only_the_end_of_a_phone(random_complaints, plan):
    _rng, made, _units = random_complaints
    first = next(c for c in made if c.department_id)
    phone = first.contact_phone.as_e164
    middle = phone[6:10]
    desk = f.staff("department_head", department_code="engineering")
    manager = f.staff("supervisor")
    assert not perms.can_reveal_phone(desk) and perms.can_reveal_phone(manager)

    def found(user, q):
        return list(
            selectors.complaints_search(user, selectors.SearchParams(q=q)).values_list(
                "pk", flat=True
            )
        )

    assert first.pk in found(manager, middle)
    assert found(desk, middle) == _scan(desk, middle)
    hidden = Complaint.objects.filter(pk=first.pk).exclude(contact_phone__endswith=middle)
    texts = hidden.filter(search.text_match(middle)) | hidden.filter(number__endswith=middle)
    if not texts.exists():
        assert first.pk not in found(desk, middle)
    assert first.pk in found(desk, phone[-4:])


def test_tokens_are_characters_and_bigrams():
    assert search.tokens_of("电梯坏了", "ab c") == {
        "电",
        "梯",
        "坏",
        "了",
        "电梯",
        "梯坏",
        "坏了",
        "A",
        "B",
        "AB",
        "C",
    }
    assert search.query_tokens("电梯") == ["电梯"]
    assert search.query_tokens("x") == ["X"]
    assert search.query_tokens("楼道 灯") == ["楼道", "灯"]
    c = Complaint(description="电梯", contact_name="李", location="")
    c.search_tokens = ""
    assert search.document_of(c.contact_name, c.description, c.location) == "李 梯 电 电梯"


def test_the_migration_copy_matches_the_live_code():
    import importlib

    migration = importlib.import_module("complaints.migrations.0017_perf_search")
    assert migration.SQLITE_CREATE == search.SQLITE_CREATE
    assert migration.POSTGRES_CREATE == search.POSTGRES_CREATE
    text = "电梯 坏了 Ab-c，"
    assert migration.document_of(text, "x") == search.document_of(text, "x")


def test_sqlite_walks_the_list_for_a_common_term_and_fetches_a_rare_one_by_id(monkeypatch):
    """SQLite's plans (not their speed): a term with many candidates walks the newest-first
    index, testing each row against the candidates; a rare one reads its few candidates by
    id; a phone or number fragment becomes the ids of its few complaints."""
    import datetime as dt

    import time_machine
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plans")
    monkeypatch.setattr(search, "SCAN_FROM", 5)
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), tick=False):
        desk = f.staff("front_desk")
        for i in range(12):
            Complaint(
                number=f"TS-202611-{i + 1:04d}",
                channel="phone",
                description="电梯坏了" if i < 8 else ("楼道有噪音" if i < 10 else "门禁"),
                contact_name="李",
                contact_phone=f"+861390000{i:04d}",
                received_by=desk,
            ).save()
    manager = f.staff("manager")

    def plan_of(term):
        qs = selectors.complaints_search(manager, selectors.SearchParams(q=term))[:26]
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return sql, " / ".join(row[-1] for row in cursor.fetchall())

    _sql, common = plan_of("电梯")
    assert "SCAN complaints_complaint USING INDEX complaint_newest_first" in common
    assert "ORDER BY" not in common
    _sql, rare = plan_of("噪音")
    assert "complaints_complaint USING INTEGER PRIMARY KEY" in rare
    sql, fragment = plan_of("0003")
    where = sql.split(" WHERE ", 1)[1]
    assert '"contact_phone" LIKE' not in where and '"number" LIKE' not in where
    assert "SCAN complaints_complaint" not in fragment
    for term, count in [("电梯", 8), ("噪音", 2), ("0003", 2)]:
        assert len(_scan(manager, term)) == count
        assert list(
            selectors.complaints_search(manager, selectors.SearchParams(q=term)).values_list(
                "pk", flat=True
            )
        ) == _scan(manager, term)
