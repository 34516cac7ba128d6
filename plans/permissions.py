"""Who may do what to which plan: the one place these rules are decided.

Every view asks these functions; lists use `Plan.objects.for_user` (visible_plans)
so a list never shows what a detail page would refuse.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Plan, Role
from .models.access import area_ids, is_national_admin, role_of
from .models.plans import REVIEWABLE_STATUSES

Kind = Role.Kind
__all__ = ["REVIEWABLE_STATUSES", "area_ids", "is_national_admin", "role_of"]


def visible_plans(user, queryset=None):
    return (Plan.objects.all() if queryset is None else queryset).for_user(user)


def partner_plans(user, plan):
    """The joint plan's area plans (this one included) that the user may see, by area
    name: finance totals and the PDF show only these."""
    return list(
        visible_plans(user, plan.narrative.plans.all())
        .select_related("area")
        .order_by("area__name")
    )


def can_view(user, plan):
    return visible_plans(user, Plan.objects.filter(pk=plan.pk)).exists()


def _works_for_area(user, plan, kinds):
    role = role_of(user)
    return role is not None and role.kind in kinds and plan.area_id in area_ids(user)


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


def can_review(user, plan):
    role = role_of(user)
    return (
        role is not None
        and role.kind == Kind.REVIEWER
        and plan.area.region_id == role.region_id
        and plan.status in REVIEWABLE_STATUSES
    )


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
        .select_related("round", "area", "area__region", "narrative")
        .filter(round__slug=round_slug, area__slug=area_slug)
        .first()
    )
    if plan is None:
        raise Http404("No plan found for this round and area.")
    if not ACTIONS[action](user, plan):
        raise PermissionDenied
    return plan
