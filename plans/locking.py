"""Optimistic locking: a save names the version it read, and loses if it is stale."""

from typing import Any, Protocol

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
