"""Saving a section without losing anyone's work: the one writer of section progress.
Every page of a plan (narrative sections, schemes, income, metrics) and the Excel
importer save through these."""

from collections.abc import Callable, Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from plans import locking
from plans.locking import EditConflict, claim, lock_row
from plans.models import Plan, Section, SectionProgress

from .selectors import can_edit, progress_key, section_of_kind

__all__ = ["EditConflict", "save_page", "save_section", "touch_sections"]


def _get_or_create(plan: Plan, section: Section) -> SectionProgress:
    return lock_row(SectionProgress, **progress_key(plan, section))


def check_can_edit(user: User, plan: Plan, section: Section) -> None:
    """Refuse a save the user may not make, or one the plan's state does not allow."""
    if not can_edit(user, plan, section):
        raise PermissionDenied


@transaction.atomic
def save_section(
    *,
    plan: Plan,
    section: Section,
    user: User,
    read_version: int,
    completed: bool,
    write: Callable[[], object],
) -> SectionProgress:
    """Run `write()` if the user may edit the section and nobody saved it since
    `read_version` was read.

    The version check and the bump are one conditional UPDATE, so of two concurrent
    saves from the same version exactly one wins; the other gets EditConflict and
    writes nothing.
    """
    check_can_edit(user, plan, section)
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


def save_page(
    *,
    plan: Plan,
    kind: str,
    user: User,
    posted_version: object,
    write: Callable[[], object],
) -> SectionProgress:
    """Save one page of the round's section of `kind` (the income grid, one metric)
    without changing whether the section is complete. `posted_version` is the page's
    hidden version as posted; one that is not a number cannot match, so it is refused
    as stale."""
    section = section_of_kind(plan, kind)
    if section is None:
        raise ValueError(f"Round {plan.round.slug} has no {kind} section.")
    completed = SectionProgress.objects.filter(
        **progress_key(plan, section), completed=True
    ).exists()
    return save_section(
        plan=plan,
        section=section,
        user=user,
        read_version=locking.read_version(posted_version),
        completed=completed,
        write=write,
    )


def touch_sections(*, plan: Plan, kinds: Iterable[str], user: User | None) -> None:
    """Record that `user` changed these sections outside their pages (an upload): the
    version moves on, so anyone with one of those pages open must reload before
    saving over the change. Runs inside the caller's transaction."""
    for section in plan.round.sections.filter(kind__in=list(kinds)):
        progress = _get_or_create(plan, section)
        SectionProgress.objects.filter(pk=progress.pk).update(
            lock_version=F("lock_version") + 1, updated_by=user, updated_at=timezone.now()
        )
