"""Spreadsheet uploads read within bounds, for the residents and complaints imports.

Every import (the admin's two steps, or :func:`residents.services.residents_import`) reads the
uploaded file through :func:`load_dataset`, which refuses, with a message a person can act on
and before anything is parsed or saved:

* a file larger than ``IMPORT_MAX_FILE_BYTES`` (default 10 MB);
* an XLSX file that is not a zip archive, or whose parts expand to more than
  ``IMPORT_MAX_EXPANDED_BYTES`` (default 60 MB) or more than ``IMPORT_MAX_COMPRESSION_RATIO``
  times their packed size (default 100: ordinary workbooks pack 5–20 times; a "zip bomb" packs
  hundreds of times);
* text it cannot decode: CSV and TSV may be UTF-8 (with or without a BOM), UTF-16 with a BOM,
  or whatever `charset-normalizer` recognises — in practice GBK / GB18030, which is what Excel
  on Chinese Windows saves ("CSV (逗号分隔)"); a Chinese guess is read as GB18030, the superset;
* more than ``IMPORT_MAX_ROWS`` rows (default 20,000);
* a header without one of the resource's ``required_columns``: the message names the missing
  columns and lists every column the file may have.

:class:`BoundedImportMixin` puts this in front of django-import-export's admin views and keeps
the upload's identity on the server: the preview stores the file under a random name in
``IMPORT_UPLOAD_DIR`` and remembers it in the session under a random token; the confirm form
carries only that token.  A token that is not this user's pending import for this model is
refused (400) and nothing is imported or deleted.  A file is written only once its preview has
passed, so a refused import leaves nothing behind; the confirm step removes it whatever happens.

A file of more than ``IMPORT_ASYNC_ROWS`` rows (default 2,000) is not previewed row by row in
the request: its limits and columns are checked, and on confirm a Celery task
(:func:`residents.tasks.run_import`) imports it — still all or nothing — while a result page
shows its progress, then its totals or every problem.  The job's state is a small JSON file next
to the upload (no table): the web process and the worker share that folder anyway.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
import secrets
import time
import uuid
import zipfile
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path as url_path
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from import_export.formats import base_formats
from import_export.results import RowResult

from . import spreadsheet

log = logging.getLogger(__name__)

SESSION_KEY = "pending_imports"
#: Pending uploads older than this are removed when the next preview is made.
STALE_AFTER_SECONDS = 24 * 3600
_CHINESE_ENCODINGS = {"gb2312", "gbk", "gb18030", "hz", "cp936"}


class ImportRefused(Exception):
    """The file cannot be imported at all; ``message`` says why, for the person importing."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_file_bytes() -> int:
    return _setting("IMPORT_MAX_FILE_BYTES", 10 * 1024 * 1024)


def max_rows() -> int:
    return _setting("IMPORT_MAX_ROWS", 20_000)


def async_rows() -> int:
    return _setting("IMPORT_ASYNC_ROWS", 2_000)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def read_upload(upload) -> bytes:
    """The content of an uploaded file, refused once it passes the size limit (read in chunks,
    so an oversized file is never held whole)."""
    limit = max_file_bytes()
    too_big = ImportRefused(
        _("The file is larger than %(limit)s MB; split it into smaller files.")
        % {"limit": _megabytes(limit)}
    )
    if upload.size is not None and upload.size > limit:
        raise too_big
    parts, total = [], 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > limit:
            raise too_big
        parts.append(chunk)
    return b"".join(parts)


def check_xlsx(data: bytes) -> None:
    """Refuse a workbook that is not a zip archive or would expand beyond the limits.

    The sizes come from the archive's directory; Python's ``zipfile`` (which openpyxl reads
    with) stops at those sizes, so a part cannot secretly expand further.
    """
    max_expanded = _setting("IMPORT_MAX_EXPANDED_BYTES", 60 * 1024 * 1024)
    max_ratio = _setting("IMPORT_MAX_COMPRESSION_RATIO", 100)
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportRefused(
            _("The file is not an XLSX workbook. Save it from Excel as “Excel Workbook (*.xlsx)”.")
        ) from None
    expanded = sum(info.file_size for info in infos)
    too_big = ImportRefused(
        _(
            "The workbook expands to more than %(limit)s MB when opened; it is refused. "
            "Save it as CSV, or split it into smaller files."
        )
        % {"limit": _megabytes(max_expanded)}
    )
    if expanded > max_expanded or len(infos) > 10_000:
        raise too_big
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > max_ratio * max(info.compress_size, 1):
            raise too_big


def decode_text(data: bytes) -> str:
    """The text of a CSV or TSV file, whatever encoding a spreadsheet program saved it in."""
    if data.startswith(codecs.BOM_UTF8):
        encoding, data = "utf-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        from charset_normalizer import from_bytes

        matches = list(from_bytes(data))
        chinese = next((m for m in matches if m.encoding in _CHINESE_ENCODINGS), None)
        best = chinese or (matches[0] if matches else None)
        if best is None:
            encoding = None
        elif best.encoding in _CHINESE_ENCODINGS:
            encoding = "gb18030"
        else:
            encoding = best.encoding
    try:
        if encoding is None:
            raise UnicodeDecodeError("unknown", b"", 0, 1, "no encoding recognised")
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise ImportRefused(
            _(
                "The text of the file could not be read. Save it as “CSV UTF-8” "
                "(or as an Excel workbook) and import it again."
            )
        ) from None


def expected_columns(resource) -> list[str]:
    return [field.column_name for field in resource.get_import_fields()]


def check_columns(dataset, resource) -> None:
    """Refuse a file whose header lacks one of the resource's ``required_columns``."""
    headers = {spreadsheet.cell_text(h) for h in (dataset.headers or [])}
    required = list(getattr(resource, "required_columns", ()))
    missing = [column for column in required if column not in headers]
    if missing:
        raise ImportRefused(
            _(
                "The file has no column %(missing)s. The first row must hold the column names; "
                "the file may have these columns: %(expected)s (required: %(required)s)."
            )
            % {
                "missing": "、".join(missing),
                "expected": "、".join(expected_columns(resource)),
                "required": "、".join(required),
            }
        )


def _blank(values) -> bool:
    return all(value is None or value == "" for value in values)


def data_rows(dataset) -> int:
    """The rows holding anything (spreadsheets often carry formatted but empty rows)."""
    return sum(1 for row in dataset if not _blank(row))


def _too_many_rows(count) -> ImportRefused:
    return ImportRefused(
        _("The file has %(count)s rows; at most %(limit)s can be imported at once. Split it.")
        % {"count": count, "limit": max_rows()}
    )


def _read_xlsx(data: bytes):
    """The first sheet as a ``Dataset``, read row by row and abandoned past the row limit (so
    a workbook of a million tiny rows is never held whole)."""
    import openpyxl
    import tablib

    book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    try:
        rows = book.active.iter_rows(values_only=True)
        dataset = tablib.Dataset()
        header = next(rows, None)
        if header is None:
            return dataset
        dataset.headers = list(header)
        width, count, limit = len(header), 0, max_rows()
        for values in rows:
            values = list(values[:width]) + [None] * (width - len(values))
            if not _blank(values):
                count += 1
                if count > limit:
                    raise ImportRefused(
                        _(
                            "The file has more than %(limit)s rows; at most %(limit)s can be "
                            "imported at once. Split it."
                        )
                        % {"limit": limit}
                    )
            dataset.append(values)
        return dataset
    finally:
        book.close()


def load_dataset(data: bytes, input_format, resource):
    """The rows of an uploaded file as a tablib ``Dataset``; :class:`ImportRefused` when the
    file breaks a limit, cannot be read or lacks a required column."""
    limit = max_file_bytes()
    if len(data) > limit:
        raise ImportRefused(
            _("The file is larger than %(limit)s MB; split it into smaller files.")
            % {"limit": _megabytes(limit)}
        )
    try:
        if isinstance(input_format, base_formats.XLSX):
            check_xlsx(data)
            dataset = _read_xlsx(data)
        elif input_format.is_binary():
            dataset = input_format.create_dataset(data)
        else:
            dataset = input_format.create_dataset(decode_text(data))
    except ImportRefused:
        raise
    except Exception:  # any parser's complaint about a malformed file
        raise ImportRefused(
            _("The file could not be read as %(format)s. Check that you chose the right format.")
            % {"format": input_format.get_title().upper()}
        ) from None
    if not dataset.headers:
        raise ImportRefused(_("The file is empty: the first row must hold the column names."))
    count = data_rows(dataset)
    if count > max_rows():
        raise _too_many_rows(count)
    check_columns(dataset, resource)
    return dataset


# --- the admin's two steps ------------------------------------------------------------------


def upload_dir() -> Path:
    path = Path(getattr(settings, "IMPORT_UPLOAD_DIR", settings.VAR_DIR / "imports"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _purge_stale_uploads() -> None:
    cutoff = time.time() - STALE_AFTER_SECONDS
    for path in [*upload_dir().glob("*.upload"), *upload_dir().glob("*.job.json")]:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


def _job_path(job_id: str) -> Path | None:
    return upload_dir() / f"{job_id}.job.json" if _JOB_ID.match(job_id or "") else None


def read_job(job_id: str) -> dict | None:
    """The state of a background import, or ``None`` for an id that names no job."""
    path = _job_path(job_id)
    try:
        return json.loads(path.read_text()) if path else None
    except (OSError, ValueError):
        return None


def write_job(job_id: str, **changes) -> dict:
    """Update a job's state (written whole and renamed into place: readers never see half)."""
    path = _job_path(job_id)
    job = {**(read_job(job_id) or {}), **changes}
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(job, ensure_ascii=False))
    os.replace(partial, path)
    return job


def import_job_run(job_id: str) -> dict | None:
    """Run a queued background import: all rows or none, progress written every 100 rows.

    Safe to run again (a worker killed half-way rolled its transaction back): a job already
    finished is left alone.
    """
    from django.contrib.auth import get_user_model

    from .services import import_problems

    job = read_job(job_id)
    if job is None or job.get("state") in ("done", "failed"):
        return job
    upload = upload_dir() / Path(job["file"]).name
    write_job(job_id, state="running", done=0)
    try:
        user = get_user_model().objects.filter(pk=job["user"]).first()
        resource = import_string(job["resource_class"])()
        input_format = import_string(job["format_class"])()
        dataset = load_dataset(upload.read_bytes(), input_format, resource)
        counted = {"rows": 0}
        import_row = resource.import_row

        def counting_import_row(row, instance_loader, **kwargs):
            result = import_row(row, instance_loader, **kwargs)
            counted["rows"] += 1
            if counted["rows"] % 100 == 0:
                write_job(job_id, done=counted["rows"])
            return result

        resource.import_row = counting_import_row
        result = resource.import_data(
            dataset,
            dry_run=False,
            raise_errors=False,
            file_name=job["original_file_name"],
            user=user,
        )
    except ImportRefused as refused:
        return write_job(job_id, state="failed", problems=[refused.message])
    except Exception:
        write_job(
            job_id,
            state="failed",
            problems=[_("The import stopped on an unexpected error; nothing was imported.")],
        )
        raise
    finally:
        upload.unlink(missing_ok=True)
    if result.has_errors() or result.has_validation_errors():
        return write_job(
            job_id, state="failed", done=job.get("total", 0), problems=import_problems(result)[:500]
        )
    totals = {
        key: result.totals[key]
        for key in (
            RowResult.IMPORT_TYPE_NEW,
            RowResult.IMPORT_TYPE_UPDATE,
            RowResult.IMPORT_TYPE_SKIP,
        )
    }
    return write_job(job_id, state="done", done=job.get("total", 0), totals=totals)


class BoundedImportMixin:
    """django-import-export's admin import, bounded and with the upload kept server-side.

    Put it before ``ImportExportMixin`` / ``ImportExportModelAdmin`` in the bases.  It replaces
    ``import_action`` (the preview) and ``process_import`` (the confirm step), reusing the
    library's documented hooks for forms, resources and results.
    """

    # -- preview -----------------------------------------------------------------------------

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return super().import_action(request, **kwargs)
        import_form = self.create_import_form(request)
        if not import_form.is_valid():
            return self._import_page(request, import_form)

        input_format = self.get_import_formats()[int(import_form.cleaned_data["format"])]()
        resource = self.choose_import_resource_class(import_form, request)(
            **self.get_import_resource_kwargs(request, form=import_form, **kwargs)
        )
        upload = import_form.cleaned_data["import_file"]
        try:
            data = read_upload(upload)
            dataset = load_dataset(data, input_format, resource)
        except ImportRefused as refused:
            import_form.add_error("import_file", refused.message)
            return self._import_page(request, import_form, status=400)

        if data_rows(dataset) > async_rows():
            # Too long to check row by row while the browser waits: the background import
            # checks every row and saves nothing if one is wrong.
            messages.info(
                request,
                _(
                    "The file has %(count)s rows: they will be checked and imported in the "
                    "background after you confirm. If any row is wrong nothing is saved, and "
                    "the result page lists every problem."
                )
                % {"count": data_rows(dataset)},
            )
            result = None
        else:
            result = resource.import_data(
                dataset,
                dry_run=True,
                raise_errors=False,
                file_name=upload.name,
                user=request.user,
                **self.get_import_data_kwargs(request=request, form=import_form, **kwargs),
            )
        extra = {"result": result} if result is not None else {}
        if result is None or (not result.has_errors() and not result.has_validation_errors()):
            token = self._keep_upload(request, data, import_form, upload.name)
            confirm_form = self.get_confirm_form_class(request)(
                initial={
                    "import_file_name": token,
                    "original_file_name": upload.name,
                    "format": import_form.cleaned_data["format"],
                    "resource": import_form.cleaned_data.get("resource", ""),
                }
            )
            extra["confirm_form"] = confirm_form
        return self._import_page(request, import_form, resource=resource, **extra)

    def _keep_upload(self, request, data: bytes, import_form, original_name: str) -> str:
        _purge_stale_uploads()
        stored = f"{uuid.uuid4().hex}.upload"
        (upload_dir() / stored).write_bytes(data)
        token = secrets.token_urlsafe(24)
        pending = dict(request.session.get(SESSION_KEY, {}))
        pending[token] = {
            "file": stored,
            "model": self.opts.label,
            "user": request.user.pk,
            "format": str(import_form.cleaned_data["format"]),
            "resource": str(import_form.cleaned_data.get("resource") or ""),
            "original_file_name": original_name[:255],
        }
        request.session[SESSION_KEY] = pending
        return token

    def _import_page(self, request, form, *, status=200, resource=None, **extra):
        resources = (
            [resource]
            if resource is not None
            else [
                cls(**self.get_import_resource_kwargs(request=request, form=form))
                for cls in self.get_import_resource_classes(request)
            ]
        )
        context = self.get_import_context_data()
        context.update(self.admin_site.each_context(request))
        context.update(
            {
                "title": _("Import"),
                "form": form,
                "opts": self.model._meta,
                "media": self.media + form.media,
                "fields_list": [
                    (r.get_display_name(), [f.column_name for f in r.get_user_visible_fields()])
                    for r in resources
                ],
                "import_error_display": self.import_error_display,
                **extra,
            }
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context, status=status)

    # -- confirm -----------------------------------------------------------------------------

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        token = request.POST.get("import_file_name", "")
        pending = dict(request.session.get(SESSION_KEY, {}))
        entry = pending.get(token)
        if (
            not isinstance(entry, dict)
            or entry.get("model") != self.opts.label
            or entry.get("user") != request.user.pk
        ):
            return self._refuse_confirm(
                request,
                _(
                    "This import is unknown or was already done: nothing was imported. "
                    "Choose the file and preview it again."
                ),
            )
        # One confirm per preview, whatever happens next (a double click imports once).
        del pending[token]
        request.session[SESSION_KEY] = pending
        path = upload_dir() / Path(entry["file"]).name
        try:
            data = path.read_bytes()
        except OSError:
            return self._refuse_confirm(
                request,
                _(
                    "The previewed file is no longer available: nothing was imported. Import it again."
                ),
            )
        try:
            confirm_form = self.get_confirm_form_class(request)(
                data={
                    "import_file_name": token,
                    "original_file_name": entry["original_file_name"],
                    "format": entry["format"],
                    "resource": entry["resource"],
                }
            )
            confirm_form.is_valid()
            input_format = self.get_import_formats()[int(entry["format"])]()
            resource_class = self.choose_import_resource_class(confirm_form, request)
            resource = resource_class(
                **self.get_import_resource_kwargs(request, form=confirm_form, **kwargs)
            )
            try:
                dataset = load_dataset(data, input_format, resource)
            except ImportRefused as refused:
                return self._refuse_confirm(request, refused.message)
            if data_rows(dataset) > async_rows():
                job_id = self._queue_import(
                    request, entry, resource_class, input_format, data_rows(dataset)
                )
                path = None  # the background import owns the file now
                return HttpResponseRedirect(
                    reverse(
                        "admin:{}_{}_import_job".format(*self.get_model_info()),
                        args=[job_id],
                        current_app=self.admin_site.name,
                    )
                )
            result = self.process_dataset(
                dataset, confirm_form, request, file_name=entry["original_file_name"], **kwargs
            )
        finally:
            if path is not None:
                path.unlink(missing_ok=True)
        if result.has_errors() or result.has_validation_errors():
            # The registry changed since the preview: the resource rolled everything back.
            return self._refuse_confirm(
                request,
                _(
                    "The file no longer imports cleanly (the data changed since the preview): "
                    "nothing was imported. Preview it again to see the problems."
                ),
            )
        return self.process_result(result, request)

    def _queue_import(self, request, entry, resource_class, input_format, rows: int) -> str:
        from .tasks import run_import

        job_id = uuid.uuid4().hex
        write_job(
            job_id,
            state="queued",
            model=self.opts.label,
            user=request.user.pk,
            file=entry["file"],
            original_file_name=entry["original_file_name"],
            resource_class=f"{resource_class.__module__}.{resource_class.__qualname__}",
            format_class=f"{type(input_format).__module__}.{type(input_format).__qualname__}",
            total=rows,
            done=0,
        )

        def queue() -> None:
            try:
                run_import.delay(job_id)
            except Exception:  # the broker is unreachable: say so on the job's page, no 500
                log.warning("could not queue import %s: the broker is unreachable", job_id)
                (upload_dir() / Path(entry["file"]).name).unlink(missing_ok=True)
                write_job(
                    job_id,
                    state="failed",
                    problems=[
                        _(
                            "The background worker could not be reached; nothing was "
                            "imported. Try again in a few minutes."
                        )
                    ],
                )

        transaction.on_commit(queue)
        return job_id

    # -- the background import's page ---------------------------------------------------------

    def get_urls(self):
        info = self.get_model_info()
        return [
            url_path(
                "import/job/<str:job>/",
                self.admin_site.admin_view(self.import_job_view),
                name="{}_{}_import_job".format(*info),
            ),
            *super().get_urls(),
        ]

    def import_job_view(self, request, job: str):
        if not self.has_import_permission(request):
            raise PermissionDenied
        state = read_job(job)
        if (
            state is None
            or state.get("model") != self.opts.label
            or state.get("user") != request.user.pk
        ):
            raise Http404(_("No such import."))
        total = state.get("total") or 0
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "opts": self.model._meta,
            "job": state,
            "finished": state.get("state") in ("done", "failed"),
            "percent": int(100 * (state.get("done") or 0) / total) if total else 0,
            "summary": (
                _("Imported: %(new)s new, %(update)s updated, %(skip)s unchanged.")
                % state["totals"]
                if state.get("totals")
                else ""
            ),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, ["admin/import_job.html"], context)

    def _refuse_confirm(self, request, message: str):
        messages.error(request, message)
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        return self._import_page(request, form, status=400)
