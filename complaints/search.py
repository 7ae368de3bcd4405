"""Free-text search from an index: Chinese has no spaces between words, so a complaint's text
is cut into its single characters and every pair of neighbouring characters (bigrams: 电梯坏了
→ 电 梯 坏 了 电梯 梯坏 坏了), kept in ``Complaint.search_tokens`` on every save.

A term's own characters and bigrams must all be among a complaint's tokens for it to contain
the term, so the tokens pick the candidates from an index and the original ``icontains`` is
checked again on those only: the results are exactly those of a scan, for terms of any length.

* PostgreSQL: a GIN index on ``string_to_array(search_tokens, ' ')``, asked with ``@>``.
* SQLite: an FTS5 table (``complaint_search``, rowid = the complaint's id) kept by triggers
  on the complaints table, asked with ``MATCH``.
* Any other engine: the plain scan.

Tokens are upper-cased like the databases' case-insensitive ``LIKE``; whitespace separates
words (a pair never spans it).  Phone and number fragments use trigram indexes on
PostgreSQL (``pg_trgm``, see the migration), not these tokens.
"""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import BooleanField, F, Func, Q
from django.db.models.expressions import RawSQL

FTS_TABLE = "complaint_search"
# The fields whose text is tokenised (the resident's name is searched in the residents'
# table, and the unit by its room reference).
TEXT_FIELDS = ("contact_name", "description", "location")


def tokens_of(*texts: str) -> set[str]:
    """The characters and bigrams of ``texts``, upper-cased, whitespace-separated words."""
    found: set[str] = set()
    for text in texts:
        for word in (text or "").upper().split():
            found.update(word)
            found.update(word[i : i + 2] for i in range(len(word) - 1))
    return found


def document_of(*texts: str) -> str:
    """The value stored in ``search_tokens``: the tokens, sorted, one space between."""
    return " ".join(sorted(tokens_of(*texts)))


def query_tokens(term: str) -> list[str]:
    """The tokens every complaint containing ``term`` has: its bigrams, or its characters for
    a one-character word."""
    found: set[str] = set()
    for word in term.upper().split():
        if len(word) == 1:
            found.add(word)
        else:
            found.update(word[i : i + 2] for i in range(len(word) - 1))
    return sorted(found)


class _TokensContain(Func):
    """PostgreSQL: ``string_to_array(search_tokens, ' ') @> ARRAY[...]`` (the GIN index's
    own expression, so the planner uses it)."""

    output_field = BooleanField()

    def __init__(self, tokens: list[str]):
        super().__init__(F("search_tokens"))
        self.tokens = tokens

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.get_source_expressions()[0])
        return f"string_to_array({column}, ' ') @> %s::text[]", [*params, self.tokens]


def _fts_phrase(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


# SQLite (and the least for PostgreSQL): from this many candidates on, a term is common enough that walking the list's
# newest-first index and testing each row against the candidates finds a page sooner than
# reading every candidate by id and sorting them (a term in 8 % of complaints: a page after
# ~300 rows of the index, against ~8,000 candidates read and sorted at 100,000 complaints).
SCAN_FROM = 1000

_CANDIDATES_SQL = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"


class _AmongCandidates(Func):
    """SQLite: ``+id IN (the index's candidates)``.  The unary plus keeps the planner from
    driving the query by id through the list: it walks the index of the ORDER BY instead and
    tests each row's id (read from that index, no row fetched) against the candidates."""

    output_field = BooleanField()

    def __init__(self, match: str):
        super().__init__(F("pk"))
        self.match = match

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.get_source_expressions()[0])
        return f"+{column} IN ({_CANDIDATES_SQL})", [*params, self.match]


def _candidate_count(match: str, cap: int) -> int:
    """How many complaints the index offers for ``match``, counted up to ``cap`` only."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({_CANDIDATES_SQL} LIMIT %s)", [match, cap])
        return cursor.fetchone()[0]


def candidates(term: str) -> Q | None:
    """A condition that holds for every complaint whose text contains ``term`` (and a few
    more), read from the index; ``None`` where no index can help (a scan then)."""
    tokens = query_tokens(term)
    if not tokens:
        return None
    if connection.vendor == "postgresql":
        return Q(_TokensContain(tokens))
    if connection.vendor == "sqlite":
        # FTS5's tokenizer drops punctuation: a token with no letter or digit cannot be asked.
        usable = [t for t in tokens if any(ch.isalnum() for ch in t)]
        if not usable:
            return None
        match = " AND ".join(_fts_phrase(t) for t in usable)
        # The same candidates either way; only the plan differs (see SCAN_FROM).
        if _candidate_count(match, SCAN_FROM) >= SCAN_FROM:
            return Q(_AmongCandidates(match))
        return Q(pk__in=RawSQL(_CANDIDATES_SQL, [match]))
    return None


# PostgreSQL: a term in at least this share of the complaints is common (see text_match).
COMMON_SHARE = 1 / 500


class _Contains(Func):
    """PostgreSQL: ``strpos(upper(column), upper(term)) > 0``, the same test as ``icontains``
    (``UPPER(column) LIKE UPPER('%term%')``) written so that the planner takes its default
    guess of how many rows pass, instead of the column statistics' guess for the pattern,
    which for a common Chinese word is hundreds of times too low."""

    output_field = BooleanField()

    def __init__(self, name: str, term: str):
        super().__init__(F(name))
        self.term = term

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.get_source_expressions()[0])
        return f"strpos(upper({column}::text), upper(%s)) > 0", [*params, self.term]


def _common_on_postgres(tokens: list[str]) -> bool:
    """Whether the planner's estimate of the complaints holding ``tokens`` (from the token
    index's own statistics, which are close) is a common share of all complaints."""
    from .models import Complaint

    table = connection.ops.quote_name(Complaint._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table} "
            "WHERE string_to_array(search_tokens, ' ') @> %s::text[]",
            [tokens],
        )
        plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        estimate = plan[0]["Plan"]["Plan Rows"]
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    total = max(row[0] if row else 0, 0)
    return estimate >= max(SCAN_FROM, total * COMMON_SHARE)


def text_match(term: str) -> Q:
    """Complaints whose contact name, description or place contains ``term`` (case-insensitive),
    the candidates from the index and the exact test on those.

    PostgreSQL, a common term (电梯 in 8 % of complaints): the index would hand over tens of
    thousands of candidates to be fetched and sorted before the first page, where the
    newest-first list finds a page of them within a few hundred rows.  The exact test alone,
    in a form the planner does not underestimate (:class:`_Contains`), lets it walk the list.
    """
    tokens = query_tokens(term)
    if tokens and connection.vendor == "postgresql" and _common_on_postgres(tokens):
        walk = Q()
        for name in TEXT_FIELDS:
            walk |= Q(_Contains(name, term))
        return walk
    exact = Q()
    for name in TEXT_FIELDS:
        exact |= Q(**{f"{name}__icontains": term})
    found = candidates(term)
    return exact if found is None else found & exact


# The SQL of the SQLite side, run by the migration (and kept here, where the tokens are made).
SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "tokens, content='', tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON complaints_complaint BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, tokens) VALUES (new.id, new.search_tokens); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON complaints_complaint BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, tokens) "
    "VALUES ('delete', old.id, old.search_tokens); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_tokens "
    f"ON complaints_complaint BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, tokens) "
    "VALUES ('delete', old.id, old.search_tokens); "
    f"INSERT INTO {FTS_TABLE}(rowid, tokens) VALUES (new.id, new.search_tokens); END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS complaint_search_tokens ON complaints_complaint "
    "USING gin (string_to_array(search_tokens, ' '))",
    "CREATE INDEX IF NOT EXISTS complaint_phone_trgm ON complaints_complaint "
    "USING gin (contact_phone gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS complaint_number_trgm ON complaints_complaint "
    "USING gin (number gin_trgm_ops)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS complaint_number_trgm",
    "DROP INDEX IF EXISTS complaint_phone_trgm",
    "DROP INDEX IF EXISTS complaint_search_tokens",
]
