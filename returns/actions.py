"""The only writers of returns: save one part of a return (web page or upload, under
the part's optimistic lock), and submit it. Each checks who may act and the return's
state and writes in one transaction with its history and event rows."""

import logging
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from plans.locking import EditConflict, claim, lock_row, read_version
from plans.models import Plan, ReturnPeriod, ReturnSettings, Role
from plans.ui import MAX_TEXT

from . import selectors
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


def preparer_emails(plan: Plan) -> list[str]:
    """The area's commissioners' and finance officers' addresses: one query."""
    return sorted(
        set(
            get_user_model()
            .objects.filter(
                roles__kind__in=(Role.Kind.COMMISSIONER, Role.Kind.FINANCE_OFFICER),
                roles__areas=plan.area_id,
                is_active=True,
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


@transaction.atomic
def reopen_return(*, user: User, plan: Plan, period: ReturnPeriod, reason: str) -> PlanReturn:
    """Reopen a submitted return for correction, saying why: the area may then edit
    and submit it again. An event row keeps the reason; the area's preparers are mailed
    once the change is committed. The earlier submission stays in the history."""
    reason = (reason or "").strip()
    found = PlanReturn.objects.select_for_update().filter(plan=plan, period=period).first()
    if found is None or not selectors.reopens_returns(user, plan):
        raise PermissionDenied
    if not found.is_submitted:
        raise ReturnRefused("This return is not submitted, so it is already open.")
    if not reason:
        raise ReturnRefused("Say why the return is being reopened.")
    if len(reason) > MAX_TEXT:
        raise ReturnRefused(f"Keep the reason to {MAX_TEXT:,} characters or fewer.")
    moved = PlanReturn.objects.filter(pk=found.pk, status=PlanReturn.Status.SUBMITTED).update(
        status=PlanReturn.Status.DRAFT, submitted_by=None, submitted_at=None
    )
    if not moved:  # pragma: no cover - the row is locked above
        raise ReturnRefused("This return is not submitted, so it is already open.")
    found.refresh_from_db()
    ReturnEvent.objects.create(
        plan_return=found, kind=ReturnEvent.Kind.REOPENED, actor=user, note=reason
    )
    recipients = preparer_emails(plan)
    if recipients:
        subject = f"The {period.label} return for {plan.area.name} has been reopened"
        body = (
            f"{user.get_full_name() or user.get_username()} reopened the {period.label} "
            f"return for {plan.area.name} ({plan.round.name}) for correction:\n\n{reason}\n\n"
            "Make the changes and submit the return again."
        )
        transaction.on_commit(partial(send_mail, subject, body, None, recipients))
    return found
