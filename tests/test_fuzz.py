"""Bad input never gives a 500: every URL of the project, fed what an attacker would type.

Each URL pattern (the same walk as :mod:`tests.test_permission_matrix`, with its world of
objects) is requested as a superuser, as a department head and as a resident signed in on the
residents' side.  First plainly, to learn which GET parameters the page reads (every
``request.GET`` look-up is recorded) and which its links and search forms carry (admin
filters, the date drill-down, sorting, paging); then each of those parameters is sent, one at
a time, a huge number, an unknown choice, a malformed date and a very long string, and the
whole query once with NUL characters.  Path parameters get the same treatment (a huge id,
zero, an unknown name).  Nothing may answer 500; a NUL answers 400 with a clear message.

Besides the walk, the bad inputs found by probing the site are each pinned down with the
answer they must get.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import time_machine
from django.http import QueryDict
from django.test import Client

from tests.test_permission_matrix import NOW, all_urls, fill
from tests.test_permission_matrix import world as world

pytestmark = pytest.mark.django_db

ROLES = ["superuser", "department_head", "resident"]

HUGE = "99999999999999999999"
# Four kinds, each parameter one at a time (a non-number is the unknown choice; a negative
# number adds little beyond the huge one and would make the walk a third longer).
BAD_VALUES = {
    "huge": HUGE,
    "choice": "no-such-choice",
    "date": "2026-13-45",
    "long": "长" * 3000,
}
NUL = "a\x00b"

# Parameters every admin change list understands, whatever its filters.
ADMIN_LIST_PARAMETERS = {"q", "o", "p", "all", "_to_field", "_popup"}
# Side doors whose GET does something (or only redirects): nothing to read from them.
SKIP = {"logout", "admin:logout", "set_language"}


# --- which parameters a page reads ----------------------------------------------------------------
@contextlib.contextmanager
def recording_reads():
    """Every key looked up in any QueryDict while the block runs."""
    seen: set[str] = set()
    originals = {
        name: getattr(QueryDict, name) for name in ("get", "getlist", "__getitem__", "__contains__")
    }

    def wrap(name):
        original = originals[name]

        def recorded(self, key, *args, **kwargs):
            if isinstance(key, str):
                seen.add(key)
            return original(self, key, *args, **kwargs)

        return recorded

    for name in originals:
        setattr(QueryDict, name, wrap(name))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)


LINK = re.compile(r'href="([^"]*\?[^"]*)"')
GET_FORM = re.compile(r"<form\b(?=[^>]*method=\"get\")[^>]*>(.*?)</form>", re.I | re.S)
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.I)


def parameters_offered(page: str, url: str) -> set[str]:
    """The query parameters in the page's links to itself and in its GET forms."""
    path = urlsplit(url).path
    found = set()
    for href in LINK.findall(page):
        target = urlsplit(html.unescape(href))
        if target.path in ("", path):
            found.update(key for key, _value in parse_qsl(target.query, keep_blank_values=True))
    for form in GET_FORM.findall(page):
        found.update(FIELD.findall(form))
    return {key for key in found if key not in ("csrfmiddlewaretoken", "next")}


# --- the walk ---------------------------------------------------------------------------------------
def _client_as(w, role) -> Client:
    client = Client(raise_request_exception=False)
    if role == "resident":
        # The complainant, signed in on the residents' side (/r/) with the verified phone.
        from residents.portal import session as portal_session

        session = client.session
        session[portal_session.KEY] = {
            "phone": str(w.complaint.contact_phone),
            "until": (NOW + dt.timedelta(days=30)).timestamp(),
        }
        session.save()
        return client
    client.force_login(w.users[role])
    return client


@pytest.fixture
def fuzz_world(world, django_user_model):
    world.users["superuser"] = django_user_model.objects.create_superuser(
        "root", "root@example.com", "pw"
    )
    return world


PATH_PARAMETER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


def bad_paths(route: str, w) -> list[str]:
    """The route with one of its parameters replaced by something no object has."""
    urls = []
    for match in PATH_PARAMETER.finditer(route):
        name = match.group("name") or match.group("rname")
        conv = match.group("conv") or ""
        if conv == "int" or name in ("object_id", "pk", "id") or name.endswith("_id"):
            replacements = [HUGE, "0"]
            if conv != "int":
                replacements.append("abc")
        else:
            replacements = ["no-such-thing"]
        for value in replacements:
            bent = route[: match.start()] + f"<fuzzed:{name}>" + route[match.end() :]
            url = fill(bent.replace(f"<fuzzed:{name}>", "\x01"), w).replace("\x01", value)
            urls.append(url)
    return urls


def _get(client, url: str, params: dict | None = None):
    query = ("?" + urlencode(params)) if params else ""
    return client.get(url + query)


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_500_to_bad_input(fuzz_world, role):
    w = fuzz_world
    client = _client_as(w, role)
    failures = []
    reached = []

    def check(response, what):
        if response.status_code == 500:  # (/healthz's 503 says the world has no sweep yet)
            failures.append(f"{what}: {response.status_code}")

    with time_machine.travel(NOW, tick=False):
        for key, route, _pattern in all_urls():
            if key in SKIP:
                continue
            url = fill(route, w)
            for bad in bad_paths(route, w):
                check(client.get(bad), f"GET {bad!r} ({key})")
            with recording_reads() as read:
                response = client.get(url)
            check(response, f"GET {url} ({key})")
            if response.status_code != 200:
                continue  # refused or redirected: its parameters are never read
            reached.append(route)
            names = set(read)
            if response.get("Content-Type", "").startswith("text/html"):
                page = response.content.decode(errors="replace")
                names |= parameters_offered(page, url)
                if "/change/" not in url and key.endswith("_changelist"):
                    names |= ADMIN_LIST_PARAMETERS
            names -= {"HTTP_HX_REQUEST"}
            for name in sorted(names):
                for label, value in BAD_VALUES.items():
                    check(_get(client, url, {name: value}), f"GET {url}?{name}=<{label}> ({key})")
            if names:
                response = _get(client, url, dict.fromkeys(names, NUL))
                if response.status_code != 400:  # the NUL refused before any view
                    failures.append(
                        f"GET {url} with NUL in {sorted(names)}: {response.status_code}"
                    )
    assert not failures, "\n".join(failures)
    # The walk reached the pages of the role (a broken sign-in would fuzz only redirects).
    own = "r/" if role == "resident" else "admin/"
    assert any(route.startswith(own) for route in reached), reached


# --- the bad inputs found by probing, each with its answer -------------------------------------------
@pytest.fixture
def root(fuzz_world):
    client = _client_as(fuzz_world, "superuser")
    with time_machine.travel(NOW, tick=False):
        yield client


def test_a_nul_in_the_resident_search_is_a_bad_request(root):
    response = root.get("/residents/search/?q=a%00b")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_in_the_admin_autocomplete_is_a_bad_request(root):
    response = root.get(
        "/admin/autocomplete/?app_label=reporting&model_name=correctiveaction"
        "&field_name=complaints&term=%00"
    )
    assert response.status_code == 400


def test_a_page_number_beyond_any_list_shows_the_first_page(root):
    assert root.get(f"/complaints/?page={HUGE}").status_code == 200
    assert root.get(f"/escalations/?page={HUGE}").status_code == 200


def test_an_unknown_admin_transition_is_not_found(root, fuzz_world):
    pk = fuzz_world.complaint.pk
    for name in ("delete", "save", "no_such_action", "__class__"):
        response = root.get(f"/admin/complaints/complaint/{pk}/transition/{name}/")
        assert response.status_code == 404, name


def test_corrective_action_preselection_ignores_what_is_not_an_id(root, fuzz_world):
    response = root.get("/admin/reporting/correctiveaction/add/?complaints=abc")
    assert response.status_code == 200
    pk = fuzz_world.complaint.pk
    response = root.get(f"/admin/reporting/correctiveaction/add/?complaints=abc,{pk}")
    assert response.status_code == 200
    assert fuzz_world.complaint.number in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        f"received_at__year={HUGE}",
        "received_at__year=9999",
        "received_at__year=9999&received_at__month=12",
        "received_at__year=2026&received_at__month=13",
    ],
)
def test_a_date_drill_down_beyond_the_calendar_is_a_bad_request(root, query):
    response = root.get(f"/admin/complaints/complaint/?{query}")
    assert response.status_code in (400, 302)
    if response.status_code == 400:
        assert "Bad request" in response.content.decode() or "请求" in response.content.decode()
