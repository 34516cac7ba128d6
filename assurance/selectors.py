"""Reads for the reviewer's pages: the queue of plans waiting, and one plan's KLOE
answers. A fixed number of queries whatever the number of plans or answers."""

from django.contrib.auth.models import User
from django.db.models import Max, Q
from django.utils import timezone

from plans import permissions
from plans.models import (
    KeyLineOfEnquiry,
    KloeAssessment,
    Plan,
    PlanVersion,
    Section,
    SectionProgress,
)


def assurance_queue(user: User) -> list[tuple[Plan, int | None]]:
    """[(plan, days since its latest submission)] the user may review, longest
    waiting first."""
    plans = (
        permissions.visible_plans(user)
        .filter(status__in=permissions.REVIEWABLE_STATUSES)
        .select_related("round", "area", "area__region")
        .annotate(
            last_submitted=Max("versions__submitted_at"), version_count=Max("versions__number")
        )
        .order_by("last_submitted")
    )
    now = timezone.now()
    return [(p, (now - p.last_submitted).days if p.last_submitted else None) for p in plans]


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
