from django.db import migrations, models

from complaints import search


def fill_tokens(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    batch = []
    rows = Complaint.objects.order_by("pk").values_list("pk", *search.TEXT_FIELDS)
    for pk, *texts in rows.iterator(chunk_size=2000):
        batch.append(Complaint(pk=pk, search_tokens=search.document_of(*texts)))
        if len(batch) >= 2000:
            Complaint.objects.bulk_update(batch, ["search_tokens"])
            batch = []
    if batch:
        Complaint.objects.bulk_update(batch, ["search_tokens"])


def create_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [
            *search.SQLITE_CREATE[:1],
            f"INSERT INTO {search.FTS_TABLE}(rowid, tokens) "
            "SELECT id, search_tokens FROM complaints_complaint",
            *search.SQLITE_CREATE[1:],
        ]
    elif vendor == "postgresql":
        statements = search.POSTGRES_CREATE
    else:
        return
    for sql in statements:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": search.SQLITE_DROP, "postgresql": search.POSTGRES_DROP}
    for sql in statements.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0014_step8_work_reaches_people"),
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
