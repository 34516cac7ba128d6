"""The plan's life from sign-off to outcome, one action per state change: each is a
keyword-only function that checks who may act and the plan's state, moves the status
with a conditional UPDATE in one transaction (so two people racing cannot both
succeed) with its PlanEvent row, and mails only after the transaction commits."""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from plans import permissions
from plans.findings import Finding, check_plan
from plans.models import (
    KeyLineOfEnquiry,
    KloeAssessment,
    Plan,
    PlanEvent,
    PlanVersion,
    Recommendation,
    Role,
    Section,
    SectionProgress,
)
from plans.sections.selectors import progress_key

from . import selectors
from .selectors import incomplete_sections, unanswered_kloes
from .snapshot import take_snapshot

S = Plan.Status
Kind = PlanEvent.Kind


class TransitionRefused(Exception):
    """The plan cannot make this move now; the message says why."""


def _area_commissioner(user: User, plan: Plan) -> bool:
    role = permissions.role_of(user)
    return (
        role is not None
        and role.kind == Role.Kind.COMMISSIONER
        and plan.area_id in permissions.area_ids(user)
    )


def _reviewer(user: User, plan: Plan) -> bool:
    return permissions.can_review(user, plan)


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
    "start_assurance": ((S.SUBMITTED,), S.IN_ASSURANCE, _reviewer, Kind.ASSURANCE_STARTED),
    "request_changes": ((S.IN_ASSURANCE,), S.CHANGES_REQUESTED, _reviewer, Kind.CHANGES_REQUESTED),
    "record_outcome": ((S.IN_ASSURANCE,), None, _reviewer, Kind.OUTCOME),
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
) -> PlanEvent:
    sources, default_to, who, kind = TRANSITIONS[name]
    if not who(user, plan):
        raise PermissionDenied
    to = to or default_to
    assert to is not None  # only record_outcome has no default, and it passes `to`
    moved = Plan.objects.filter(pk=plan.pk, status__in=sources).update(
        status=to, lock_version=F("lock_version") + 1, updated_at=timezone.now()
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
    )
    plan.status = to
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
        .objects.filter(role__kind__in=kinds, role__areas=plan.area_id)
        .values_list("email", flat=True)
    )


def _reviewer_emails(plan: Plan) -> "QuerySet[User, str]":
    return (
        get_user_model()
        .objects.filter(role__kind=Role.Kind.REVIEWER, role__region=plan.area.region_id)
        .values_list("email", flat=True)
    )


def blocking_findings(plan: Plan) -> list[Finding]:
    return [f for f in check_plan(plan) if f.severity == "error"]


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
    return _move(plan, user, "start_assurance")


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


@transaction.atomic
def record_outcome(*, user: User, plan: Plan, outcome: str, conditions: str = "") -> Recommendation:
    if not _reviewer(user, plan):
        raise PermissionDenied
    if outcome not in Recommendation.Outcome.values:
        raise TransitionRefused("Choose an outcome.")
    version = latest_version(plan)
    if plan.status != S.IN_ASSURANCE:
        raise TransitionRefused("Start assurance before recording an outcome.")
    missing = unanswered_kloes(plan, version)
    if missing:
        raise TransitionRefused(
            f"Answer every key line of enquiry before recording the outcome: "
            f"{', '.join(k.code for k in missing)} {'has' if len(missing) == 1 else 'have'} "
            "no answer on this version."
        )
    if outcome == Recommendation.Outcome.APPROVED_WITH_CONDITIONS and not conditions.strip():
        raise TransitionRefused("State the conditions of approval.")
    recommendation = Recommendation.objects.create(
        version=version, reviewer=user, outcome=outcome, conditions=conditions.strip()
    )
    _move(plan, user, "record_outcome", to=outcome, version=version, note=conditions.strip())
    _notify(
        f"Assurance outcome for the BCF plan for {plan.area.name}",
        f"Outcome: {recommendation.get_outcome_display()}.\n\n{conditions}".strip(),
        _area_emails(plan),
    )
    return recommendation


type KloeAnswer = tuple[str, str]  # (rating, comment)


@transaction.atomic
def answer_kloes(
    *, user: User, plan: Plan, answers: Mapping[KeyLineOfEnquiry, KloeAnswer]
) -> list[KloeAssessment]:
    """Record the reviewer's answers to the round's KLOEs on the latest version, all
    or none. A new row every time: earlier answers stay as the history."""
    if not _reviewer(user, plan):
        raise PermissionDenied
    if plan.status != S.IN_ASSURANCE:
        raise TransitionRefused("Key lines of enquiry are answered while the plan is in assurance.")
    version = latest_version(plan)
    rows = []
    for kloe, (rating, comment) in answers.items():
        if rating not in KloeAssessment.Rating.values:
            raise TransitionRefused(f"{kloe.code}: choose met, partially met or not met.")
        if kloe.round_id != plan.round_id:
            raise TransitionRefused("That question is not one of this round's.")
        rows.append(
            KloeAssessment(
                version=version,
                kloe=kloe,
                reviewer=user,
                rating=rating,
                comment=comment.strip()[:5000],
            )
        )
    return KloeAssessment.objects.bulk_create(rows)


def answer_kloe(
    *, user: User, plan: Plan, kloe: KeyLineOfEnquiry, rating: str, comment: str
) -> KloeAssessment:
    """One answer: the same as answering only that question of the KLOE form."""
    [row] = answer_kloes(user=user, plan=plan, answers={kloe: (rating, comment)})
    return row


def latest_version(plan: Plan) -> PlanVersion:
    """The version assurance acts on; refused before the first submission."""
    version = selectors.latest_version(plan)
    if version is None:
        raise TransitionRefused("The plan has not been submitted.")
    return version
