"""Uploading a completed template: the one action the upload page calls."""

import hashlib
import logging

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.text import slugify

from finance.models import TemplateUpload
from plans.models import Plan, Section
from plans.sections.selectors import can_edit

from . import fingerprints
from .importer import import_parsed
from .reader import read_template
from .safety import MAX_UPLOAD_BYTES, Problem, whole_file

logger = logging.getLogger(__name__)


def can_upload(user: User, plan: Plan) -> bool:
    return can_edit(user, plan, kind=Section.Kind.FINANCE)


def import_template(
    *, user: User, plan: Plan, data: bytes, filename: str
) -> tuple[TemplateUpload, list[Problem]]:
    """Check the whole file, then import it in one transaction or not at all. Every
    upload is kept (with its problems, who sent it and what changed) under a
    reference support can quote, whether or not it imported."""
    if not can_upload(user, plan):
        raise PermissionDenied
    failure: Exception | None = None
    try:
        parsed, problems = read_template(data, plan)
    except DatabaseError:
        raise
    except Exception as error:  # the last line of defence: refuse and keep the file
        parsed, problems, failure = None, [], error
    record = TemplateUpload(
        plan=plan,
        uploaded_by=user,
        filename=filename[:255],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        problems=[p.as_row() for p in problems],
    )
    if len(data) <= MAX_UPLOAD_BYTES:
        record.file.save(
            f"{slugify(plan.area.slug)}-{record.sha256[:12]}.xlsx", ContentFile(data), save=False
        )
    if failure is not None:
        record.outcome = TemplateUpload.Outcome.REFUSED
        record.save()
        logger.error("Template upload %s could not be read", record.reference, exc_info=failure)
        problems = [
            whole_file(
                f"The workbook could not be read. Nothing was imported. Save it again in "
                f"Excel as .xlsx and upload it again; if that does not help, contact "
                f"support quoting {record.reference}."
            )
        ]
        record.problems = [p.as_row() for p in problems]
        record.save(update_fields=["problems"])
        return record, problems
    if problems:
        record.outcome = TemplateUpload.Outcome.REFUSED
        record.save()
        return record, problems
    with transaction.atomic():
        # Row-lock the plan so two uploads (or an upload and a page save racing it)
        # compare against the plan as it is while this one writes.
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
        imported = import_parsed(plan, parsed, user)
        if imported.conflicts:
            problems = [stale(table, change) for table, change in imported.conflicts.items()]
            record.problems = [p.as_row() for p in problems]
            record.outcome = TemplateUpload.Outcome.REFUSED
            record.save()
            return record, problems
        record.changes, record.change_list = imported.changes, imported.change_list
        record.outcome = (
            TemplateUpload.Outcome.IMPORTED if record.changes else TemplateUpload.Outcome.UNCHANGED
        )
        record.save()
    return record, []


def stale(table: str, change: fingerprints.Change) -> Problem:
    """The problem for a table changed both in the file and on the web since download."""
    who = change.by.get_username() if change.by else "someone"
    when = f" on {timezone.localtime(change.at):%-d %B %Y at %H:%M}" if change.at else ""
    sheet = fingerprints.SHEET_OF[table]
    return Problem(
        sheet,
        "Whole sheet",
        "",
        f"The {sheet.lower()} figures were changed on the web by {who}{when}, after this "
        f"template was downloaded, and the file changes them too. Nothing was imported, "
        f"so neither change is lost. Download the template again (it has their changes) "
        f"and make your changes in it.",
    )
