"""Writing many expenditure lines at once with their history rows in bulk: updates
grouped by the fields that changed (Django's bulk_update builds a CASE per field per
row, so a change of amounts only updates amounts), deletions as one DELETE with their
"-" history rows (the ORM's collector would delete, and write history, one by one)."""

from collections import defaultdict
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.utils import timezone

from .models import ExpenditureLine

BATCH = 500


def update_with_history(
    changes: Sequence[tuple[ExpenditureLine, tuple[str, ...]]], *, user: User | None
) -> None:
    """Save each line's changed fields (given per line), with a "~" history row each."""
    groups: dict[tuple[str, ...], list[ExpenditureLine]] = defaultdict(list)
    for line, fields in changes:
        groups[fields].append(line)
    for fields, lines in groups.items():
        ExpenditureLine.objects.bulk_update(lines, list(fields), batch_size=BATCH)
    ExpenditureLine.history.bulk_history_create(
        [line for line, _fields in changes], update=True, default_user=user, batch_size=BATCH
    )


def delete_with_history(lines: Sequence[ExpenditureLine], *, user: User | None) -> None:
    """Delete the lines in one statement, each with its "-" history row. Nothing
    refers to an expenditure line, so there is nothing for the collector to cascade."""
    history = ExpenditureLine.history.model
    now = timezone.now()
    history.objects.bulk_create(
        [
            history(
                history_date=now,
                history_user=user,
                history_change_reason="",
                history_type="-",
                **{field.attname: getattr(line, field.attname) for field in history.tracked_fields},
            )
            for line in lines
        ],
        batch_size=BATCH,
    )
    queryset = ExpenditureLine.objects.filter(pk__in=[line.pk for line in lines])
    queryset._raw_delete(queryset.db)
