"""The plan's life from sign-off to outcome, one action per state change: each is a
keyword-only function that checks who may act and the plan's state, moves the status
with a conditional UPDATE in one transaction (so two people racing cannot both
succeed) with its PlanEvent row, and mails only after the transaction commits."""

from collections.abc import Callable, Collection, Iterable, Sequence
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from plans import permissions
from plans.findings import Finding, plan_findings
from plans.models import (
    AssuranceStage,
    Plan,
    PlanEvent,
    PlanVersion,
    Role,
    Section,
    SectionProgress,
)
from plans.sections.selectors import progress_key

from . import selectors
from .selectors import incomplete_sections
from .snapshot import take_snapshot

S = Plan.Status
Kind = PlanEvent.Kind


class TransitionRefused(Exception):
    """The plan cannot make this move now; the message says why."""


def _area_commissioner(user: User, plan: Plan) -> bool:
    return permissions.is_area_commissioner(user, plan)


def _stage_actor(user: User, plan: Plan) -> bool:
    """Acts in the plan's current assurance stage (the first one before it starts)."""
    stage = plan.assurance_stage if plan.assurance_stage_id else selectors.first_stage(plan)
    return bool(selectors.acting_roles(user, plan, stage))


def _starter(user: User, plan: Plan) -> bool:
    """An assurer of the first stage, or the region's moderator, opens assurance."""
    return _stage_actor(user, plan) or (
        Role.Kind.MODERATOR in permissions.assurance_kinds_for(user, plan)
    )


# transition: (allowed from, to, who may, event kind)
type Transition = tuple[
    tuple[Plan.Status, ...], Plan.Status | None, Callable[[User, Plan], bool], PlanEvent.Kind
]
TRANSITIONS: dict[str, Transition] = {
    "request_sign_off": (
        (S.DRAFT, S.CHANGES_REQUESTED),
        S.AWAITING_SIGN_OFF,
        _area_commissioner,
        Kind.SIGN_OFF_REQUESTED,
    ),
    "return_to_draft": (
        (S.AWAITING_SIGN_OFF,),
        S.DRAFT,
        _area_commissioner,
        Kind.RETURNED_TO_DRAFT,
    ),
    "submit": ((S.AWAITING_SIGN_OFF,), S.SUBMITTED, _area_commissioner, Kind.SUBMITTED),
    # After "approved with conditions" or "not approved" the area works on the next
    # version; the submitted ones, their answers and the outcome stay as they were.
    "reopen": (
        (S.APPROVED_WITH_CONDITIONS, S.NOT_APPROVED),
        S.DRAFT,
        _area_commissioner,
        Kind.REOPENED,
    ),
    "start_assurance": ((S.SUBMITTED,), S.IN_ASSURANCE, _starter, Kind.ASSURANCE_STARTED),
    "request_changes": (
        (S.IN_ASSURANCE,),
        S.CHANGES_REQUESTED,
        _stage_actor,
        Kind.CHANGES_REQUESTED,
    ),
    # The decision of the round's last stage (assurance.process.decide).
    "record_outcome": ((S.IN_ASSURANCE,), None, _stage_actor, Kind.OUTCOME),
}


def allowed(user: User, plan: Plan, name: str) -> bool:
    """Whether `user` may make transition `name` on `plan` now."""
    sources, _to, who, _kind = TRANSITIONS[name]
    return plan.status in sources and who(user, plan)


def _move(
    plan: Plan,
    user: User,
    name: str,
    to: str | None = None,
    note: str = "",
    version: PlanVersion | None = None,
    stage: AssuranceStage | None = None,
    role: str = "",
    outcome_label: str = "",
) -> PlanEvent:
    """Move the plan along transition `name`. The plan's assurance stage becomes
    `stage` (None outside assurance), so status and stage always move together; the
    outcome's label is kept only while the plan rests on that outcome."""
    sources, default_to, who, kind = TRANSITIONS[name]
    if not who(user, plan):
        raise PermissionDenied
    to = to or default_to
    assert to is not None  # only record_outcome has no default, and it passes `to`
    moved = Plan.objects.filter(pk=plan.pk, status__in=sources).update(
        status=to,
        assurance_stage=stage,
        outcome_label=outcome_label,
        lock_version=F("lock_version") + 1,
        updated_at=timezone.now(),
    )
    if not moved:
        current = Plan.objects.get(pk=plan.pk)
        raise TransitionRefused(
            f"The plan is {current.get_status_display().lower()} now, so it cannot be "
            f"{Kind(kind).label.lower()}. Someone may have done it a moment ago."
        )
    event = PlanEvent.objects.create(
        plan=plan,
        kind=kind,
        actor=user,
        from_status=plan.status,
        to_status=to,
        note=note,
        version=version,
        stage=stage,
        role=role,
    )
    plan.status = to
    plan.assurance_stage = stage
    plan.outcome_label = outcome_label
    return event


def _notify(subject: str, body: str, recipients: Iterable[str]) -> None:
    recipients = sorted({r for r in recipients if r})
    if recipients:
        transaction.on_commit(partial(send_mail, subject, body, None, recipients))


def _area_emails(
    plan: Plan, kinds: Collection[str] = (Role.Kind.COMMISSIONER, Role.Kind.FINANCE_OFFICER)
) -> "QuerySet[User, str]":
    return (
        get_user_model()
        .objects.filter(roles__kind__in=kinds, roles__areas=plan.area_id, is_active=True)
        .values_list("email", flat=True)
    )


def _reviewer_emails(plan: Plan) -> list[str]:
    stage = selectors.first_stage(plan)
    return stage_emails(plan, stage) if stage is not None else []


def blocking_findings(plan: Plan) -> list[Finding]:
    return [f for f in plan_findings(plan) if f.severity == "error"]


def check_ready(plan: Plan, doing: str) -> None:
    """Refuse `doing` (e.g. "sent for sign-off") unless every section of the plan is
    marked complete and no rule finds an error: the task list gates the plan."""
    missing = incomplete_sections(plan)
    if missing:
        names = ", ".join(s.title for s in missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise TransitionRefused(
            f"Mark every section complete before the plan can be {doing}: "
            f"{len(missing)} {'is' if len(missing) == 1 else 'are'} not ({names})."
        )
    blocking = blocking_findings(plan)
    if blocking:
        raise TransitionRefused(
            f"The plan has {len(blocking)} error{'s' if len(blocking) != 1 else ''} "
            f"to fix before it can be {doing}."
        )


@transaction.atomic
def send_for_sign_off(*, user: User, plan: Plan) -> PlanEvent:
    """Send the plan for the Health and Wellbeing Board's sign-off, once every section
    is complete and it breaks no rule; it cannot be edited while it waits."""
    if not _area_commissioner(user, plan):
        raise PermissionDenied
    check_ready(plan, "sent for sign-off")
    event = _move(plan, user, "request_sign_off")
    _notify(
        f"BCF plan for {plan.area.name} is ready for sign-off",
        f"{user.get_username()} has sent the {plan.round.name} plan for {plan.area.name} "
        "for sign-off. Check the plan and submit it once the Health and Wellbeing Board "
        "has signed it off.",
        _area_emails(plan, (Role.Kind.COMMISSIONER,)),
    )
    return event


@transaction.atomic
def submit(*, user: User, plan: Plan, certified: bool) -> PlanVersion:
    """Submit the plan as a new immutable version, if it breaks no rule and the
    Health and Wellbeing Board's sign-off is certified."""
    if not _area_commissioner(user, plan):
        raise PermissionDenied
    if not certified:
        raise TransitionRefused(
            "Confirm that the Health and Wellbeing Board has signed off the plan."
        )
    check_ready(plan, "submitted")
    # Lock the row and read its status again, so that of two submissions at the same
    # moment only one takes a snapshot; the other waits, then sees it submitted.
    current = Plan.objects.select_for_update().get(pk=plan.pk)
    if current.status not in TRANSITIONS["submit"][0]:
        raise TransitionRefused("The plan has already been submitted.")
    number = plan.versions.count() + 1
    snapshot = take_snapshot(plan)
    snapshot["plan"]["status"] = S.SUBMITTED
    snapshot["plan"]["date_submitted"] = timezone.localdate().isoformat()
    version = PlanVersion.objects.create(
        plan=plan, number=number, submitted_by=user, snapshot=snapshot
    )
    _move(plan, user, "submit", version=version)
    Plan.objects.filter(pk=plan.pk).update(date_submitted=timezone.localdate())
    SectionProgress.objects.for_plan(plan).update(changes_requested=False)
    _notify(
        f"BCF plan submitted: {plan.area.name}, version {number}",
        f"The {plan.round.name} plan for {plan.area.name} was submitted as version {number} "
        "and is ready for assurance.",
        _reviewer_emails(plan),
    )
    return version


@transaction.atomic
def return_to_draft(*, user: User, plan: Plan, reason: str = "") -> PlanEvent:
    """Take a plan waiting for sign-off back to draft (the board asked for changes, or
    something was missed), so its sections can be edited again."""
    return _move(plan, user, "return_to_draft", note=reason.strip()[:5000])


@transaction.atomic
def reopen(*, user: User, plan: Plan) -> PlanEvent:
    """Start the next version after "approved with conditions" or "not approved"."""
    event = _move(plan, user, "reopen")
    _notify(
        f"BCF plan for {plan.area.name} reopened for resubmission",
        f"{user.get_username()} reopened the {plan.round.name} plan for {plan.area.name}. "
        "Its next submission will be a new version; reviewers will see what changed.",
        _reviewer_emails(plan),
    )
    return event


@transaction.atomic
def start_assurance(*, user: User, plan: Plan) -> PlanEvent:
    """Open the round's first assurance stage on the latest version."""
    stage = selectors.first_stage(plan)
    if stage is None:
        raise TransitionRefused("This round has no assurance stages; ask the national team.")
    event = _move(plan, user, "start_assurance", stage=stage, version=latest_version(plan))
    _notify(
        f"BCF plan in assurance: {plan.area.name}",
        f"Assurance of the {plan.round.name} plan for {plan.area.name} has started: {stage.name}.",
        stage_emails(plan, stage),
    )
    return event


def stage_emails(plan: Plan, stage: AssuranceStage) -> list[str]:
    """Whoever acts in `stage` on this plan: the assigned assurers where there are
    assignments, otherwise everyone holding the stage's roles for the region."""
    assigned = selectors.assignments(plan)
    emails = [assigned[r].assurer.email for r in stage.roles if r in assigned]
    unassigned = [r for r in stage.roles if r not in assigned]
    if unassigned:
        emails += list(
            get_user_model()
            .objects.filter(roles__kind__in=unassigned)
            .filter(Q(roles__region=plan.area.region_id) | Q(roles__region__isnull=True))
            .filter(is_active=True)
            .values_list("email", flat=True)
        )
    return emails


@transaction.atomic
def request_changes(
    *, user: User, plan: Plan, sections: Sequence[Section], reason: str
) -> PlanEvent:
    """Send chosen sections back with a reason; only those sections open for editing."""
    if not sections or not reason.strip():
        raise TransitionRefused("Choose the sections to change and give a reason.")
    event = _move(
        plan,
        user,
        "request_changes",
        note=f"{reason.strip()}\nSections: " + ", ".join(s.title for s in sections),
    )
    for section in sections:
        progress, _ = SectionProgress.objects.get_or_create(**progress_key(plan, section))
        SectionProgress.objects.filter(pk=progress.pk).update(
            changes_requested=True, changes_requested_reason=reason.strip(), completed=False
        )
    _notify(
        f"Changes requested to the BCF plan for {plan.area.name}",
        f"The reviewer asked for changes to: {', '.join(s.title for s in sections)}.\n\n"
        f"{reason.strip()}",
        _area_emails(plan),
    )
    return event


def latest_version(plan: Plan) -> PlanVersion:
    """The version assurance acts on; refused before the first submission."""
    version = selectors.latest_version(plan)
    if version is None:
        raise TransitionRefused("The plan has not been submitted.")
    return version
