from django.db import migrations, models

# A copy of complaints.search as of this migration (migrations never import live code).
TEXT_FIELDS = ("contact_name", "description", "location")
FTS_TABLE = "complaint_search"
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS complaint_search USING fts5(tokens, content='', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS complaint_search_ai AFTER INSERT ON complaints_complaint BEGIN INSERT INTO complaint_search(rowid, tokens) VALUES (new.id, new.search_tokens); END",
    "CREATE TRIGGER IF NOT EXISTS complaint_search_ad AFTER DELETE ON complaints_complaint BEGIN INSERT INTO complaint_search(complaint_search, rowid, tokens) VALUES ('delete', old.id, old.search_tokens); END",
    "CREATE TRIGGER IF NOT EXISTS complaint_search_au AFTER UPDATE OF search_tokens ON complaints_complaint BEGIN INSERT INTO complaint_search(complaint_search, rowid, tokens) VALUES ('delete', old.id, old.search_tokens); INSERT INTO complaint_search(rowid, tokens) VALUES (new.id, new.search_tokens); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS complaint_search_au",
    "DROP TRIGGER IF EXISTS complaint_search_ad",
    "DROP TRIGGER IF EXISTS complaint_search_ai",
    "DROP TABLE IF EXISTS complaint_search",
]
POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS complaint_search_tokens ON complaints_complaint USING gin (string_to_array(search_tokens, ' '))",
    "CREATE INDEX IF NOT EXISTS complaint_phone_trgm ON complaints_complaint USING gin (contact_phone gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS complaint_number_trgm ON complaints_complaint USING gin (number gin_trgm_ops)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS complaint_number_trgm",
    "DROP INDEX IF EXISTS complaint_phone_trgm",
    "DROP INDEX IF EXISTS complaint_search_tokens",
]


def document_of(*texts):
    found = set()
    for text in texts:
        for word in (text or "").upper().split():
            found.update(word)
            found.update(word[i : i + 2] for i in range(len(word) - 1))
    return " ".join(sorted(found))


def fill_tokens(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    batch = []
    rows = Complaint.objects.order_by("pk").values_list("pk", *TEXT_FIELDS)
    for pk, *texts in rows.iterator(chunk_size=2000):
        batch.append(Complaint(pk=pk, search_tokens=document_of(*texts)))
        if len(batch) >= 2000:
            Complaint.objects.bulk_update(batch, ["search_tokens"])
            batch = []
    if batch:
        Complaint.objects.bulk_update(batch, ["search_tokens"])


def create_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [
            *SQLITE_CREATE[:1],
            f"INSERT INTO {FTS_TABLE}(rowid, tokens) "
            "SELECT id, search_tokens FROM complaints_complaint",
            *SQLITE_CREATE[1:],
        ]
    elif vendor == "postgresql":
        statements = POSTGRES_CREATE
    else:
        return
    for sql in statements:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}
    for sql in statements.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0016_fuzz_export_permission_and_form_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="search_tokens",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="search tokens"
            ),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
