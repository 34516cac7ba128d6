"""The round's calendar at work: who is still due at each deadline, reminders before
it, overdue after it, and escalation once the resubmission deadline (or a
condition's own deadline) has passed. Run daily by the `run_calendar` task; each
reminder and escalation is sent at most once per plan and date (DeadlineNotice)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.tasks import task
from django.utils import timezone

from plans.models import (
    DeadlineNotice,
    OutcomeCondition,
    Plan,
    PlanEvent,
    RoundDeadline,
)

from . import process
from .actions import _area_emails, _notify, stage_emails

S = Plan.Status
D = RoundDeadline.Kind
# Who still owes something at each kind of deadline, by the plan's status.
DUE_STATUSES: dict[str, tuple[str, ...]] = {
    D.SUBMISSION: (S.DRAFT, S.AWAITING_SIGN_OFF),
    D.ASSURANCE: (S.IN_ASSURANCE,),
    D.RESUBMISSION: (
        S.DRAFT,
        S.AWAITING_SIGN_OFF,
        S.CHANGES_REQUESTED,
        S.APPROVED_WITH_CONDITIONS,
        S.NOT_APPROVED,
    ),
}


@dataclass(frozen=True)
class Overdue:
    label: str
    due: datetime.date
    days: int


def is_due(plan: Plan, deadline: RoundDeadline, versions: int) -> bool:
    """Whether `plan` still has to act for `deadline` (`versions`: how many times it
    has been submitted). No queries: callers pass what they loaded."""
    statuses = DUE_STATUSES.get(deadline.kind, ())
    if plan.status not in statuses:
        return False
    if deadline.kind == D.SUBMISSION:
        return versions == 0
    if deadline.kind == D.ASSURANCE:
        return plan.assurance_stage_id == deadline.stage_id
    if deadline.kind == D.RESUBMISSION:
        return versions > 0
    return False


def overdue_by_plan(
    plans: Iterable[Plan], today: datetime.date | None = None
) -> dict[int, Overdue]:
    """{plan id: the earliest passed deadline it still owes}. One query for the
    rounds' deadlines; plans must carry `version_count` or `version` (annotated
    Max of their versions' numbers)."""
    today = today or timezone.localdate()
    plans = list(plans)
    deadlines: dict[int, list[RoundDeadline]] = {}
    for deadline in RoundDeadline.objects.filter(
        round__in={p.round_id for p in plans}, due__lt=today
    ).order_by("due"):
        deadlines.setdefault(deadline.round_id, []).append(deadline)
    found = {}
    for plan in plans:
        versions = _versions(plan)
        for deadline in deadlines.get(plan.round_id, []):
            if is_due(plan, deadline, versions):
                found[plan.pk] = Overdue(deadline.label, deadline.due, (today - deadline.due).days)
                break
    return found


def _versions(plan: Plan) -> int:
    return getattr(plan, "version_count", None) or getattr(plan, "version", None) or 0


def _plans_with_versions(deadline: RoundDeadline) -> "QuerySet[Plan]":
    return (
        Plan.objects.filter(round=deadline.round_id, status__in=DUE_STATUSES[deadline.kind])
        .select_related("round", "area", "area__region")
        .annotate(version_count=Max("versions__number"))
    )


def _once(plan: Plan, key: str, kind: str) -> bool:
    """Record the notice; False if it was already sent (the unique row exists)."""
    try:
        with transaction.atomic():
            DeadlineNotice.objects.create(plan=plan, key=key, kind=kind)
    except IntegrityError:
        return False
    return True


def send_reminders(today: datetime.date | None = None) -> int:
    """Remind whoever still owes each deadline falling within its reminder window."""
    today = today or timezone.localdate()
    sent = 0
    for deadline in RoundDeadline.objects.filter(
        kind__in=list(DUE_STATUSES), due__gte=today
    ).select_related("round", "stage"):
        if (deadline.due - today).days > deadline.remind_days_before:
            continue
        for plan in _plans_with_versions(deadline):
            if not is_due(plan, deadline, _versions(plan)):
                continue
            with transaction.atomic():
                if not _once(plan, f"deadline:{deadline.pk}", DeadlineNotice.Kind.REMINDER):
                    continue
                PlanEvent.objects.create(
                    plan=plan,
                    kind=PlanEvent.Kind.REMINDED,
                    from_status=plan.status,
                    to_status=plan.status,
                    note=str(deadline),
                )
                recipients = (
                    stage_emails(plan, deadline.stage)
                    if deadline.kind == D.ASSURANCE and deadline.stage is not None
                    else list(_area_emails(plan))
                )
                _notify(
                    f"Reminder: {deadline.label}, {deadline.due:%-d %B %Y} ({plan.area.name})",
                    f"The {plan.round.name} plan for {plan.area.name} is "
                    f"{plan.status_label.lower()}. {deadline.label} is on "
                    f"{deadline.due:%A %-d %B %Y}.",
                    recipients,
                )
                sent += 1
    return sent


def escalate_overdue(today: datetime.date | None = None) -> int:
    """Escalate plans still owing a resubmission after its deadline, and approvals
    whose conditions passed their own deadline without a new version approved."""
    today = today or timezone.localdate()
    escalated = 0
    for deadline in RoundDeadline.objects.filter(kind=D.RESUBMISSION, due__lt=today):
        for plan in _plans_with_versions(deadline):
            if is_due(plan, deadline, _versions(plan)):
                # Conditions due by then are part of the same failure: one escalation.
                covered = OutcomeCondition.objects.filter(
                    recommendation__version__plan=plan, due__lte=deadline.due
                ).values_list("pk", flat=True)
                escalated += _escalate(
                    plan,
                    f"deadline:{deadline.pk}",
                    f"Not resubmitted by the {deadline.label.lower()} ({deadline.due:%-d %B %Y}).",
                    also=[f"condition:{pk}" for pk in covered],
                )
    conditions = OutcomeCondition.objects.filter(
        due__lt=today,
        recommendation__is_final=True,
        recommendation__version__plan__status=S.APPROVED_WITH_CONDITIONS,
    ).select_related("recommendation__version__plan")
    for condition in conditions:
        plan = condition.recommendation.version.plan
        escalated += _escalate(
            plan,
            f"condition:{condition.pk}",
            f"Condition not met by {condition.due:%-d %B %Y}: {condition.text}",
        )
    return escalated


def _escalate(plan: Plan, key: str, reason: str, also: Iterable[str] = ()) -> int:
    with transaction.atomic():
        if not _once(plan, key, DeadlineNotice.Kind.ESCALATION):
            return 0
        for other in also:
            _once(plan, other, DeadlineNotice.Kind.ESCALATION)
        process.escalate(user=None, plan=plan, reason=reason)
    return 1


@task(queue_name="default")
def run_calendar() -> dict[str, int]:
    """The daily pass: reminders, then escalations."""
    return {"reminded": send_reminders(), "escalated": escalate_overdue()}
