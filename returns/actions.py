"""The only writers of returns: save one part of a return (web page or upload, under
the part's optimistic lock), and submit it. Each checks who may act and the return's
state and writes in one transaction with its history and event rows."""

import hashlib
import logging
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from plans.locking import EditConflict, claim, lock_row, read_version
from plans.models import Plan, ReturnPeriod, ReturnSettings
from workbook.safety import MAX_UPLOAD_BYTES, Problem, whole_file

from . import selectors
from .excel import SHEETS, read_return
from .forms import (
    BudgetForm,
    ConditionsForm,
    DeliveryForm,
    FinanceForm,
    MetricsForm,
    NarrativeForm,
    PartForm,
    SignOffForm,
)
from .models import (
    ConditionReport,
    IncomeReport,
    MetricReport,
    MilestoneReport,
    PlanReturn,
    ReturnEvent,
    ReturnPart,
    ReturnUpload,
    SchemeReport,
    SpendReport,
)

Part = ReturnSettings.Part
logger = logging.getLogger(__name__)


class ReturnRefused(Exception):
    """The return cannot make this move now; the message says why."""


def the_return(plan: Plan, period: ReturnPeriod) -> PlanReturn:
    """The plan's return for the period, made the first time anyone saves part of it
    (two first saves at once: one makes it, the other reads it)."""
    return lock_row(PlanReturn, plan=plan, period=period)


def _fields(plan_return: PlanReturn, form: PartForm, names: tuple[str, ...]) -> None:
    for name in names:
        setattr(plan_return, name, form.cleaned_data.get(name) or _empty(plan_return, name))
    plan_return.save(update_fields=list(names))


def _empty(plan_return: PlanReturn, name: str) -> Any:
    return None if name == "signed_on" else ""


def write_part(plan_return: PlanReturn, form: PartForm) -> None:
    """Write one validated part form into the return. Runs in the caller's transaction."""
    if isinstance(form, BudgetForm):
        plan_return.section_75_in_place = form.cleaned_data.get("section_75_in_place")
        plan_return.section_75_signed_on = form.cleaned_data.get("section_75_signed_on")
        plan_return.budget_note = form.cleaned_data.get("budget_note", "")
        plan_return.save(
            update_fields=["section_75_in_place", "section_75_signed_on", "budget_note"]
        )
    elif isinstance(form, NarrativeForm):
        _fields(plan_return, form, ("progress", "challenges", "support_needed"))
    elif isinstance(form, SignOffForm):
        _fields(plan_return, form, ("signed_by", "signed_position", "signed_on"))
    elif isinstance(form, ConditionsForm):
        for condition, met, why in form.answers():
            ConditionReport.objects.update_or_create(
                plan_return=plan_return,
                condition=condition,
                defaults={"still_met": met, "explanation": why or ""},
            )
    elif isinstance(form, FinanceForm):
        for row, to_date, forecast in form.figures():
            figures = {"to_date": to_date, "forecast": forecast}
            if row.scheme is None:
                IncomeReport.objects.update_or_create(
                    plan_return=plan_return, source=row.source, defaults=figures
                )
            else:
                SpendReport.objects.update_or_create(
                    plan_return=plan_return, scheme=row.scheme, source=row.source, defaults=figures
                )
    elif isinstance(form, MetricsForm):
        for period, value, numerator, denominator in form.actuals():
            if value is None:
                MetricReport.objects.filter(plan_return=plan_return, period=period).delete()
                continue
            MetricReport.objects.update_or_create(
                plan_return=plan_return,
                period=period,
                defaults={"value": value, "numerator": numerator, "denominator": denominator},  # type: ignore[misc]
            )
    elif isinstance(form, DeliveryForm):
        data = form.cleaned_data
        for row in form.sheet.milestones:
            pk = row.item.pk
            MilestoneReport.objects.update_or_create(
                plan_return=plan_return,
                milestone=row.item,
                defaults={
                    "status": data.get(f"ms-{pk}-status", ""),
                    "new_date": data.get(f"ms-{pk}-date"),
                    "reason": data.get(f"ms-{pk}-reason", ""),
                },
            )
        for row in form.sheet.schemes:
            pk = row.item.pk
            SchemeReport.objects.update_or_create(
                plan_return=plan_return,
                scheme=row.item,
                defaults={
                    "rag": data.get(f"sc-{pk}-rag", ""),
                    "comment": data.get(f"sc-{pk}-comment", ""),
                },
            )
    else:  # pragma: no cover - every part has its writer above
        raise ValueError(f"No writer for {type(form).__name__}")


def _check_editable(user: User, plan: Plan, plan_return: PlanReturn) -> None:
    if not selectors.can_edit(user, plan, plan_return):
        raise PermissionDenied


@transaction.atomic
def save_part(
    *,
    user: User,
    plan: Plan,
    period: ReturnPeriod,
    form: PartForm,
    posted_version: object,
    completed: bool,
) -> ReturnPart:
    """Save one part of the plan's return for the period if the user may, the return
    is not yet submitted, and nobody saved this part since `posted_version` was read
    (EditConflict otherwise, naming who and when). Other parts have their own locks."""
    if not selectors.can_edit(user, plan):
        raise PermissionDenied
    plan_return = the_return(plan, period)
    PlanReturn.objects.select_for_update().filter(pk=plan_return.pk).first()
    plan_return.refresh_from_db()
    _check_editable(user, plan, plan_return)
    progress = lock_row(ReturnPart, plan_return=plan_return, part=form.part)
    won = claim(
        ReturnPart.objects.filter(pk=progress.pk),
        read_version(posted_version),
        completed=completed,
        updated_by=user,
        updated_at=timezone.now(),
    )
    if not won:
        progress.refresh_from_db()
        raise EditConflict(progress)
    write_part(plan_return, form)
    progress.refresh_from_db()
    return progress


def touch_part(*, plan_return: PlanReturn, part: str, user: User | None, completed: bool) -> None:
    """Record that `user` changed a part outside its page (an upload): its version moves
    on, so anyone with the page open must reload before saving over the change."""
    progress = lock_row(ReturnPart, plan_return=plan_return, part=part)
    ReturnPart.objects.filter(pk=progress.pk).update(
        lock_version=F("lock_version") + 1,
        completed=completed,
        updated_by=user,
        updated_at=timezone.now(),
    )


def incomplete_parts(sheet: selectors.ReturnSheet) -> list[str]:
    return [p.title for p in sheet.parts if p.key != "completed"]


@transaction.atomic
def submit_return(*, user: User, plan: Plan, period: ReturnPeriod) -> PlanReturn:
    """Submit the return, certifying the board's sign-off: every part complete. The
    return is then read-only; an event row records who and when."""
    settings = selectors.settings_of(plan)
    found = PlanReturn.objects.select_for_update().filter(plan=plan, period=period).first()
    if settings is None or found is None:
        raise ReturnRefused("Fill in the return before submitting it.")
    if not selectors.can_submit(user, plan, found):
        if found.is_submitted:
            raise ReturnRefused("This return has already been submitted.")
        raise PermissionDenied
    sheet = selectors.return_sheet(plan, period, settings)
    missing = incomplete_parts(sheet)
    if missing:
        raise ReturnRefused(
            "Complete every part before submitting; still to do: " + ", ".join(missing) + "."
        )
    moved = PlanReturn.objects.filter(pk=found.pk, status=PlanReturn.Status.DRAFT).update(
        status=PlanReturn.Status.SUBMITTED, submitted_by=user, submitted_at=timezone.now()
    )
    if not moved:
        raise ReturnRefused("This return has already been submitted.")
    found.refresh_from_db()
    ReturnEvent.objects.create(plan_return=found, kind=ReturnEvent.Kind.SUBMITTED, actor=user)
    return found


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
