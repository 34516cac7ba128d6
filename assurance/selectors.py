"""Reads for the reviewer's pages: the queue of plans waiting, and one plan's KLOE
answers. A fixed number of queries whatever the number of plans or answers."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Max, Q
from django.utils import timezone

from plans import permissions
from plans.models import (
    AssuranceStage,
    AssurerAssignment,
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


@dataclass
class QueueRow:
    plan: Plan
    days_waiting: int | None
    stage: AssuranceStage | None
    yours: bool  # the user acts in the plan's current stage


def assurance_queue(user: User) -> list[QueueRow]:
    """Plans the user may assure, longest waiting first, each with its stage and
    whether it waits for this user. A fixed number of queries whatever the number."""
    plans = list(
        permissions.visible_plans(user)
        .filter(status__in=permissions.REVIEWABLE_STATUSES)
        .select_related("round", "area", "area__region", "assurance_stage")
        .prefetch_related("assignments")
        .annotate(
            last_submitted=Max("versions__submitted_at"), version_count=Max("versions__number")
        )
        .order_by("last_submitted")
    )
    now = timezone.now()
    held = {(role.kind, role.region_id) for role in permissions.roles_of(user)}
    rows = []
    for p in plans:
        stage = p.assurance_stage
        assigned = {a.role: a.assurer_id for a in p.assignments.all()}
        yours = stage is not None and any(
            ((r, p.area.region_id) in held or (r, None) in held)
            and assigned.get(r, user.pk) == user.pk
            for r in stage.roles
        )
        days = (now - p.last_submitted).days if p.last_submitted else None
        rows.append(QueueRow(p, days, stage, yours))
    return rows


def latest_version(plan: Plan) -> PlanVersion | None:
    return plan.versions.order_by("-number").first()


def kloe_answers(
    plan: Plan, version: PlanVersion
) -> list[tuple[KeyLineOfEnquiry, list[KloeAssessment]]]:
    """Each KLOE of the round with every answer given on this version, oldest first
    (answers are never overwritten: a change is a new row)."""
    history: dict[int, list[KloeAssessment]] = {}
    for assessment in KloeAssessment.objects.filter(version=version).select_related("reviewer"):
        history.setdefault(assessment.kloe_id, []).append(assessment)
    return [(k, history.get(k.pk, [])) for k in plan.round.kloes.select_related("section")]


def incomplete_sections(plan: Plan) -> list[Section]:
    """The round's sections not marked complete for this plan (a shared section is
    complete for the joint narrative), in the round's order. Two queries."""
    done = set(
        SectionProgress.objects.filter(
            Q(plan=plan) | Q(plan__isnull=True, narrative=plan.narrative_id), completed=True
        ).values_list("section_id", flat=True)
    )
    return [s for s in plan.round.sections.all() if s.pk not in done]


def unanswered_kloes(plan: Plan, version: PlanVersion) -> list[KeyLineOfEnquiry]:
    answered = set(KloeAssessment.objects.filter(version=version).values_list("kloe_id", flat=True))
    return [k for k in plan.round.kloes.all() if k.pk not in answered]


def previous_answers(plan: Plan, version: PlanVersion) -> dict[int, KloeAssessment]:
    """{kloe id: the last answer given on the version before this one}, so a reviewer
    of a resubmission sees what was said last time beside their new answers."""
    previous = plan.versions.filter(number__lt=version.number).order_by("-number").first()
    if previous is None:
        return {}
    latest: dict[int, KloeAssessment] = {}
    for answer in KloeAssessment.objects.filter(version=previous).select_related("reviewer"):
        latest[answer.kloe_id] = answer  # ordered oldest first: the last one wins
    return latest


# The round's assurance stages -------------------------------------------------


def stages_of(plan: Plan) -> list[AssuranceStage]:
    return list(plan.round.stages.all())


def first_stage(plan: Plan) -> AssuranceStage | None:
    return plan.round.stages.first()


def next_stage(stage: AssuranceStage) -> AssuranceStage | None:
    return stage.round.stages.filter(order__gt=stage.order).first()


def assignments(plan: Plan) -> dict[str, AssurerAssignment]:
    """{role: assignment} for the plan's assessing roles."""
    return {a.role: a for a in plan.assignments.select_related("assurer")}


def acting_roles(user: User, plan: Plan, stage: AssuranceStage | None) -> list[str]:
    """The stage's roles the user may act in on this plan: roles they hold for its
    region, and, for an assessing role already assigned, only if it is theirs."""
    if stage is None:
        return []
    held = permissions.assurance_kinds_for(user, plan)
    roles = [role for role in stage.roles if role in held]
    if stage.kind == AssuranceStage.Kind.ASSESS:
        taken = assignments(plan)
        roles = [r for r in roles if r not in taken or taken[r].assurer_id == user.pk]
    return roles


def latest_answers(version: PlanVersion) -> dict[tuple[int, str], KloeAssessment]:
    """{(kloe id, role): that role's current answer} on the version."""
    latest: dict[tuple[int, str], KloeAssessment] = {}
    for answer in KloeAssessment.objects.filter(version=version).select_related("reviewer"):
        latest[(answer.kloe_id, answer.role)] = answer  # oldest first: the last one wins
    return latest


def unanswered_by(plan: Plan, version: PlanVersion, role: str) -> list[KeyLineOfEnquiry]:
    answered = set(
        KloeAssessment.objects.filter(version=version, role=role).values_list("kloe_id", flat=True)
    )
    return [k for k in plan.round.kloes.all() if k.pk not in answered]


def assessed_roles(plan: Plan, version: PlanVersion, stage: AssuranceStage) -> set[str]:
    """Roles of `stage` that completed their assessment of this version."""
    return set(
        PlanEvent.objects.filter(
            plan=plan, version=version, stage=stage, kind=PlanEvent.Kind.ASSESSED
        ).values_list("role", flat=True)
    )


@dataclass
class ModerationRow:
    kloe: KeyLineOfEnquiry
    answers: dict[str, KloeAssessment | None]  # assessing role: its current answer
    moderated: KloeAssessment | None

    @property
    def disagreement(self) -> bool:
        ratings = {a.rating for a in self.answers.values() if a is not None}
        return len(ratings) > 1

    @property
    def resolved(self) -> bool:
        return not self.disagreement or self.moderated is not None

    @property
    def rating(self) -> str | None:
        """The rating that stands: the moderator's, or the assurers' agreed one."""
        if self.moderated is not None:
            return self.moderated.rating
        ratings = {a.rating for a in self.answers.values() if a is not None}
        return ratings.pop() if len(ratings) == 1 else None


def assessing_roles(plan: Plan) -> list[str]:
    """The role kinds that answer the KLOEs in the round's assessment stages, in order."""
    return [
        role
        for stage in plan.round.stages.filter(kind=AssuranceStage.Kind.ASSESS)
        for role in stage.roles
    ]


def moderation_rows(plan: Plan, version: PlanVersion) -> list[ModerationRow]:
    """Every KLOE with each assessing role's current answer side by side and the
    moderator's reconciled answer, disagreements first. Three queries."""
    assessing = assessing_roles(plan)
    latest = latest_answers(version)
    rows = [
        ModerationRow(
            kloe=kloe,
            answers={role: latest.get((kloe.pk, role)) for role in assessing},
            moderated=latest.get((kloe.pk, Role.Kind.MODERATOR)),
        )
        for kloe in plan.round.kloes.select_related("section")
    ]
    return sorted(rows, key=lambda row: (not row.disagreement, row.kloe.order))


def proposal(version: PlanVersion) -> Recommendation | None:
    """The moderation's proposed outcome for the version, if any (the latest)."""
    return (
        version.recommendations.filter(is_final=False)
        .select_related("category", "reviewer")
        .order_by("-created_at", "-pk")
        .first()
    )


def decision(plan: Plan) -> Recommendation | None:
    """The plan's latest final outcome, with its conditions."""
    return (
        Recommendation.objects.filter(version__plan=plan, is_final=True)
        .select_related("category", "version", "reviewer")
        .prefetch_related("condition_items")
        .order_by("-created_at", "-pk")
        .first()
    )


def national_emails() -> list[str]:
    """National approvers' addresses, for escalations."""
    return list(
        User.objects.filter(roles__kind=Role.Kind.NATIONAL_APPROVER, is_active=True)
        .values_list("email", flat=True)
        .distinct()
    )
