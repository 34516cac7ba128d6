"""Reads for the reviewer's pages: the queue of plans waiting, and one plan's KLOE
answers. A fixed number of queries whatever the number of plans or answers."""

from django.contrib.auth.models import User
from django.db.models import Max
from django.utils import timezone

from plans import permissions
from plans.models import KeyLineOfEnquiry, KloeAssessment, Plan, PlanVersion


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
