"""Reads about a plan's sections: their progress rows, statuses and whether they are
open for editing in the plan's state."""

from dataclasses import dataclass

from django.contrib.auth.models import User

from plans import permissions
from plans.models import Plan, Section, SectionProgress


def progress_key(plan: Plan, section: Section) -> dict:
    """Shared narrative sections are tracked once per narrative; the rest per area."""
    if section.shared:
        return {"narrative_id": plan.narrative_id, "plan": None, "section": section}
    return {"narrative_id": plan.narrative_id, "plan": plan, "section": section}


def progress_for(plan: Plan, section: Section) -> SectionProgress:
    """The progress row, or an unsaved one at version 0 (reading never writes)."""
    key = progress_key(plan, section)
    found = SectionProgress.objects.filter(**key).select_related("updated_by").first()
    return found or SectionProgress(**key)


def section_of_kind(plan: Plan, kind: str) -> Section | None:
    return plan.round.sections.filter(kind=kind).first()


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    tag_class: str


# Each status its own colour, so that "not started" and "in progress" do not look
# alike; "completed" is plain text, as the GOV.UK task list shows it.
NOT_STARTED = Status("not_started", "Not started", "govuk-tag--grey")
IN_PROGRESS = Status("in_progress", "In progress", "govuk-tag--yellow")
COMPLETED = Status("completed", "Completed", "")
HAS_ERRORS = Status("has_errors", "Has errors", "govuk-tag--red")
CHANGES_REQUESTED = Status("changes_requested", "Changes requested", "govuk-tag--purple")


def section_status(
    *, has_content: bool, completed: bool, changes_requested: bool, error_count: int
) -> Status:
    """A section's status on the task list, from plain facts about it.

    Errors show once the authors have started; an untouched section is simply
    not started, however many rules it would break.
    """
    if changes_requested:
        return CHANGES_REQUESTED
    if error_count and (has_content or completed):
        return HAS_ERRORS
    if completed:
        return COMPLETED
    if has_content:
        return IN_PROGRESS
    return NOT_STARTED


# While a partner's plan waits for sign-off or is with the reviewers, what it shares
# with the others must stay as the board and the reviewers see it.
FREEZING_STATUSES = (
    Plan.Status.AWAITING_SIGN_OFF,
    Plan.Status.SUBMITTED,
    Plan.Status.IN_ASSURANCE,
)


def frozen_by(plan: Plan, section: Section) -> list[Plan]:
    """The partner plans (of a joint narrative) whose state freezes this shared
    section for every area; empty for a section of the area's own."""
    if not section.shared:
        return []
    return list(
        Plan.objects.filter(narrative=plan.narrative_id, status__in=FREEZING_STATUSES)
        .exclude(pk=plan.pk)
        .select_related("area")
        .order_by("area__name")
    )


def can_edit(
    user: User, plan: Plan, section: Section | None = None, kind: str | None = None
) -> bool:
    """Whether `user` may change this section (or the round's section of `kind`) now:
    their role in the area, and the plan's and its partners' state. The one check
    every page and action of a section asks."""
    section = section or (section_of_kind(plan, kind) if kind else None)
    if section is None:  # a round without the section: the money pages still need a rule
        allowed = permissions.can_edit_finance(user, plan)
    else:
        allowed = permissions.can_edit_section(user, plan, section)
    return allowed and section_open(plan, section)


def section_open(plan: Plan, section: Section | None = None, kind: str | None = None) -> bool:
    """Whether the section may be edited in the plan's state: while a reviewer has
    asked for changes, only the sections sent back are open; a shared section is
    closed while any partner's plan is waiting for sign-off or with the reviewers."""
    section = section or (section_of_kind(plan, kind) if kind else None)
    if section is not None and frozen_by(plan, section):
        return False
    if plan.status != Plan.Status.CHANGES_REQUESTED:
        return True
    return section is not None and progress_for(plan, section).changes_requested
