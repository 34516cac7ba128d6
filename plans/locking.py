"""Optimistic locking: a save names the version it read, and loses if it is stale."""

from django.db.models import F


class EditConflict(Exception):
    """Someone saved the same thing after this author read it."""

    def __init__(self, current):
        super().__init__(f"Saved by someone else since it was read (now {current.lock_version}).")
        self.current = current


def claim(queryset, read_version, **updates):
    """Bump `lock_version` of the single row in `queryset` if it is still at
    `read_version`. One conditional UPDATE, so of two concurrent writers exactly
    one wins. True if this writer won."""
    bumped = queryset.filter(lock_version=read_version).update(
        lock_version=F("lock_version") + 1, **updates
    )
    return bumped == 1
