"""Who may do what to which plan: the one place these rules are decided.

Every view asks these functions; lists use `Plan.objects.for_user` (visible_plans)
so a list never shows what a detail page would refuse.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Plan, Role
from .models.access import (
    ASSURANCE_KINDS,
    area_ids,
    has_kind,
    is_national_admin,
    kinds_of,
    region_ids,
    roles_of,
    sees_every_region,
)
from .models.plans import REVIEWABLE_STATUSES

Kind = Role.Kind
__all__ = [
    "REVIEWABLE_STATUSES",
    "area_ids",
    "has_kind",
    "is_national_admin",
    "kinds_of",
    "region_ids",
    "roles_of",
    "sees_every_region",
]


def visible_plans(user, queryset=None):
    return (Plan.objects.all() if queryset is None else queryset).for_user(user)


def partner_plans(user, plan):
    """The joint plan's area plans (this one included) that the user may see, by area
    name: finance totals and the PDF show only these."""
    return list(
        visible_plans(user, plan.narrative.plans.all())
        .select_related("round", "area", "content_stamp")
        .order_by("area__name")
    )


def can_view(user, plan):
    return visible_plans(user, Plan.objects.filter(pk=plan.pk)).exists()


def _works_for_area(user, plan, kinds):
    return plan.area_id in area_ids(user, kinds)


def is_area_commissioner(user, plan):
    return _works_for_area(user, plan, (Kind.COMMISSIONER,))


def can_edit_narrative(user, plan):
    return plan.is_editable and _works_for_area(user, plan, (Kind.COMMISSIONER,))


def can_edit_finance(user, plan):
    return plan.is_editable and _works_for_area(
        user, plan, (Kind.COMMISSIONER, Kind.FINANCE_OFFICER)
    )


# Sections edited on their own apps' pages, by commissioners and finance officers alike.
FINANCE_SECTION_KINDS = ("schemes", "finance", "metrics")


def can_edit_section(user, plan, section):
    if section.kind in FINANCE_SECTION_KINDS:
        return can_edit_finance(user, plan)
    return can_edit_narrative(user, plan)


def assurance_kinds_for(user, plan):
    """The assurance roles the user holds for this plan's region (the national approver
    holds theirs for every region)."""
    kinds = {
        role.kind
        for role in roles_of(user)
        if role.kind in ASSURANCE_KINDS
        and (role.kind == Kind.NATIONAL_APPROVER or role.region_id == plan.area.region_id)
    }
    return kinds


def can_review(user, plan):
    """May open the plan's assurance pages: an assurer, moderator or national approver
    for the plan's region, once it has been submitted. What each may do there is
    decided by the round's assurance stages (assurance.process)."""
    return plan.status in REVIEWABLE_STATUSES and bool(assurance_kinds_for(user, plan))


def is_assurance_user(user):
    return is_national_admin(user) or has_kind(user, *ASSURANCE_KINDS)


ACTIONS = {
    "view": lambda user, plan: True,  # visibility is already checked
    "edit_narrative": can_edit_narrative,
    "edit_finance": can_edit_finance,
    "review": can_review,
}


def get_plan_for(user, round_slug, area_slug, action="view", queryset=None):
    """The plan at /plans/<round>/<area>/ if the user may do `action` to it.

    A plan the user may not see is a 404 (its existence is not disclosed); one they
    may see but not change is a 403.
    """
    queryset = queryset if queryset is not None else Plan.objects.all()
    plan = (
        visible_plans(user, queryset)
        .select_related("round", "area", "area__region", "narrative", "content_stamp")
        .filter(round__slug=round_slug, area__slug=area_slug)
        .first()
    )
    if plan is None:
        raise Http404("No plan found for this round and area.")
    if not ACTIONS[action](user, plan):
        raise PermissionDenied
    return plan
