"""Optimistic locking: a save names the version it read, and loses if it is stale."""

from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.db.models import F, Model, QuerySet


class Versioned(Protocol):
    """A row that carries a `lock_version` (a section's progress, a scheme)."""

    @property
    def lock_version(self) -> int: ...


class EditConflict(Exception):
    """Someone saved the same thing after this author read it."""

    def __init__(self, current: Versioned) -> None:
        super().__init__(f"Saved by someone else since it was read (now {current.lock_version}).")
        self.current = current


def claim(queryset: QuerySet[Model], read_version: int, **updates: Any) -> bool:
    """Bump `lock_version` of the single row in `queryset` if it is still at
    `read_version`. One conditional UPDATE, so of two concurrent writers exactly
    one wins. True if this writer won."""
    bumped = queryset.filter(lock_version=read_version).update(
        lock_version=F("lock_version") + 1, **updates
    )
    return bumped == 1


def read_version(posted: object) -> int:
    """A page's hidden version as posted; one that is not a number cannot match any
    row's version, so its save is refused as stale."""
    try:
        return int(posted)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return -1


def lock_row[M: Model](model: type[M], **key: Any) -> M:
    """The lock row for `key`, made at version 0 the first time. Of two first saves at
    once, one inserts and the other meets the unique constraint, reads the winner's
    row and then loses its claim: a conflict, never a lost update."""
    try:
        with transaction.atomic():
            return model._default_manager.get_or_create(**key)[0]
    except IntegrityError:  # made by a concurrent save a moment ago
        return model._default_manager.get(**key)
