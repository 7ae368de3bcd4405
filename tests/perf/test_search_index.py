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


def _scan(user, text: str) -> set[int]:
    """The search as it was before the index: every field read row by row."""
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
    return set(
        qs.filter(q | Q(unit__in=Unit.objects.matching_room(text))).values_list("pk", flat=True)
    )


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
def test_index_finds_what_the_scan_finds(random_complaints, role):
    rng, made, units = random_complaints
    user = f.staff(role, department_code="engineering" if role == "department_head" else None)
    for term in _terms(rng, made, units):
        found = set(
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


def test_masked_roles_match_only_the_end_of_a_phone(random_complaints):
    _rng, made, _units = random_complaints
    first = next(c for c in made if c.department_id)
    phone = first.contact_phone.as_e164
    middle = phone[6:10]
    desk = f.staff("department_head", department_code="engineering")
    manager = f.staff("supervisor")
    assert not perms.can_reveal_phone(desk) and perms.can_reveal_phone(manager)

    def found(user, q):
        return set(
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
