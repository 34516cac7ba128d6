"""Saving a section without losing anyone's work, and each section's status."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from plans.locking import EditConflict, claim
from plans.models import SectionProgress

__all__ = [
    "EditConflict",
    "progress_for",
    "save_page",
    "save_section",
    "section_status",
]


def progress_key(plan, section):
    """Shared narrative sections are tracked once per narrative; the rest per area."""
    if section.shared:
        return {"narrative_id": plan.narrative_id, "plan": None, "section": section}
    return {"narrative_id": plan.narrative_id, "plan": plan, "section": section}


def progress_for(plan, section):
    """The progress row, or an unsaved one at version 0 (reading never writes)."""
    key = progress_key(plan, section)
    found = SectionProgress.objects.filter(**key).select_related("updated_by").first()
    return found or SectionProgress(**key)


def _get_or_create(plan, section):
    key = progress_key(plan, section)
    try:
        with transaction.atomic():
            return SectionProgress.objects.get_or_create(**key)[0]
    except IntegrityError:  # created by a concurrent save a moment ago
        return SectionProgress.objects.get(**key)


@transaction.atomic
def save_section(plan, section, user, read_version, completed, write):
    """Run `write()` if nobody saved the section since `read_version` was read.

    The version check and the bump are one conditional UPDATE, so of two concurrent
    saves from the same version exactly one wins; the other gets EditConflict and
    writes nothing.
    """
    progress = _get_or_create(plan, section)
    won = claim(
        SectionProgress.objects.filter(pk=progress.pk),
        read_version,
        completed=completed,
        changes_requested=False if completed else F("changes_requested"),
        updated_by=user,
        updated_at=timezone.now(),
    )
    if not won:
        progress.refresh_from_db()
        raise EditConflict(progress)
    write()
    progress.refresh_from_db()
    return progress


def save_page(plan, section, progress, user, posted_version, write):
    """Save one page of a section (the income grid, one metric) without changing
    whether the section is complete. `posted_version` is the page's hidden version as
    posted; one that is not a number cannot match, so it is refused as stale."""
    try:
        read_version = int(posted_version)
    except (TypeError, ValueError):
        read_version = -1
    return save_section(plan, section, user, read_version, progress.completed, write)


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    tag_class: str


NOT_STARTED = Status("not_started", "Not started", "govuk-tag--blue")
IN_PROGRESS = Status("in_progress", "In progress", "govuk-tag--light-blue")
COMPLETED = Status("completed", "Completed", "")
HAS_ERRORS = Status("has_errors", "Has errors", "govuk-tag--red")
CHANGES_REQUESTED = Status("changes_requested", "Changes requested", "govuk-tag--orange")


def section_status(*, has_content, completed, changes_requested, error_count):
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


def section_open(plan, section=None, kind=None):
    """Whether the section may be edited in the plan's state: while a reviewer has
    asked for changes, only the sections sent back are open."""
    from plans.models import Plan

    if plan.status != Plan.Status.CHANGES_REQUESTED:
        return True
    section = section or plan.round.sections.filter(kind=kind).first()
    return section is not None and progress_for(plan, section).changes_requested
