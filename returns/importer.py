"""Importing a completed return template: the whole file checked first (reader.py),
then every part it changes written in one transaction through the same writers as
the web pages (actions.write_part), or nothing at all. The file is kept, with its
problems, under a reference whether or not it imported; a part changed both in the
file and on the web since the download is refused, naming who changed it."""

import hashlib
import logging
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from plans.models import Plan, ReturnPeriod, ReturnSettings
from workbook.safety import MAX_UPLOAD_BYTES, Problem, whole_file

from . import selectors
from .actions import the_return, touch_part, write_part
from .excel import SHEETS
from .forms import PartForm
from .models import PlanReturn, ReturnEvent, ReturnPart, ReturnUpload
from .reader import read_return

Part = ReturnSettings.Part
logger = logging.getLogger(__name__)


def _compare(old: Any, new: Any) -> bool:
    return ((old in (None, "")) and (new in (None, ""))) or old == new


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "blank"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def part_changes(sheet: selectors.ReturnSheet, form: PartForm) -> list[str]:
    """What the uploaded part changes against the return as it is now, in words."""
    stored = type(form)(None, sheet=sheet)
    current = type(form)(
        {k: _as_data(v) for k, v in stored.initial.items() if v not in (None, "")}, sheet=sheet
    )
    current.is_valid()
    changes = []
    for name, each in form.fields.items():
        old, new = current.cleaned_data.get(name), form.cleaned_data.get(name)
        if not _compare(old, new):
            changes.append(f"{each.label}: {_shown(old)} → {_shown(new)}")
    return changes


def _as_data(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def stale_problem(title: str, tab: str, progress: ReturnPart) -> Problem:
    who = progress.updated_by.get_username() if progress.updated_by else "someone"
    when = (
        f" on {timezone.localtime(progress.updated_at):%-d %B %Y at %H:%M}"
        if progress.updated_at
        else ""
    )
    return Problem(
        tab,
        title,
        "",
        f"{title} was changed on the web by {who}{when}, after this template was "
        "downloaded, and the file changes it too. Nothing was imported, so neither change "
        "is lost. Download the template again (it has their changes) and make yours in it.",
    )


def import_return(
    *, user: User, plan: Plan, period: ReturnPeriod, data: bytes, filename: str
) -> tuple[ReturnUpload, list[Problem]]:
    """Check the whole return template, then import it in one transaction or not at
    all. The file is kept, with its problems, under a reference (RU-000123) whether or
    not it imported. A part the file does not change is left as the web has it; a part
    changed in the file and on the web since download is refused, naming who."""
    settings = selectors.settings_of(plan)
    found = PlanReturn.objects.filter(plan=plan, period=period).first()
    if settings is None or not selectors.can_edit(user, plan, found):
        raise PermissionDenied
    sheet = selectors.return_sheet(plan, period, settings)
    failure: Exception | None = None
    try:
        parsed, problems = read_return(data, sheet)
    except DatabaseError:
        raise
    except Exception as error:  # the last line of defence: refuse and keep the file
        parsed, problems, failure = None, [], error
    record = ReturnUpload(
        plan=plan,
        period=period,
        uploaded_by=user,
        filename=filename[:255],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        outcome=ReturnUpload.Outcome.REFUSED,
    )
    if len(data) <= MAX_UPLOAD_BYTES:
        record.file.save(
            f"{plan.area.slug}-{period.slug}-{record.sha256[:12]}.xlsx",
            ContentFile(data),
            save=False,
        )
    if failure is not None:
        record.save()
        logger.error("Return upload %s could not be read", record.reference, exc_info=failure)
        problems = [
            whole_file(
                "The workbook could not be read. Nothing was imported. Save it again in Excel "
                f"as .xlsx and upload it again; if that does not help, contact support quoting "
                f"{record.reference}."
            )
        ]
    if problems or parsed is None:
        record.problems = [p.as_row() for p in problems]
        record.save()
        return record, problems
    with transaction.atomic():
        plan_return = the_return(plan, period)
        PlanReturn.objects.select_for_update().filter(pk=plan_return.pk).first()
        plan_return.refresh_from_db()
        if plan_return.is_submitted:
            raise PermissionDenied
        progress = {p.part: p for p in ReturnPart.objects.filter(plan_return=plan_return)}
        changed, stale = {}, []
        for status in sheet.parts:
            form = parsed.forms[status.part]
            changes = part_changes(sheet, form)
            if not changes:
                continue
            current = progress.get(status.part)
            read_at = parsed.versions.get(status.part, 0)
            if current is not None and current.lock_version > read_at:
                stale.append(stale_problem(status.title, SHEETS[Part(status.part)], current))
            changed[status.part] = (form, changes)
        if stale:
            record.problems = [p.as_row() for p in stale]
            record.save()
            return record, stale
        described = []
        for part, (form, changes) in changed.items():
            complete = type(form)(form.data, sheet=sheet, completing=True).is_valid()
            touch_part(plan_return=plan_return, part=part, user=user, completed=complete)
            write_part(plan_return, form)
            described += changes
        record.change_list = described
        record.outcome = (
            ReturnUpload.Outcome.IMPORTED if described else ReturnUpload.Outcome.UNCHANGED
        )
        record.save()
        if described:
            ReturnEvent.objects.create(
                plan_return=plan_return,
                kind=ReturnEvent.Kind.IMPORTED,
                actor=user,
                note=f"{record.reference}: {len(described)} change(s)",
            )
    return record, []
