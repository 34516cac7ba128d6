"""The one writer of schemes and their expenditure lines. The scheme pages and the
Excel importer both write through `write_lines`, which compares the wanted lines
with the stored ones and writes only the difference, with their history rows."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F

from plans.locking import EditConflict, claim
from plans.models import Plan, Section
from plans.sections.selectors import can_edit

from .bulk import create_with_history, delete_with_history, update_with_history
from .models import ExpenditureLine, Scheme
from .selectors import LINE_FIELDS

# A line as wanted: LINE_FIELDS' values (list items as instances or None), and "pk"
# where the page edited a particular stored line.
type LineValues = Mapping[str, Any]


_LISTED = {"source", "year", "area_of_spend", "commissioner", "provider_type"}


def _value(line_or_values: Any, name: str) -> Any:
    if isinstance(line_or_values, ExpenditureLine):
        return getattr(line_or_values, f"{name}_id" if name in _LISTED else name)
    value = line_or_values.get(name)
    return getattr(value, "pk", value) if name in _LISTED else value


def line_key(line_or_values: Any) -> tuple:
    """What a line says, comparable between a stored line and wanted values."""
    return tuple(_value(line_or_values, name) for name in LINE_FIELDS)


class SchemeIdTaken(Exception):
    """The plan already has a scheme with this ID (the unique constraint refused it)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Scheme ID {code} is already used in this plan")
        self.code = code


def check_can_edit_schemes(user: User, plan: Plan) -> None:
    if not can_edit(user, plan, kind=Section.Kind.SCHEMES):
        raise PermissionDenied


def write_lines(
    wanted: Mapping[Scheme, Sequence[LineValues]],
    *,
    user: User | None,
) -> int:
    """Make each scheme's lines the wanted ones; return how many lines changed.

    A wanted line naming a stored "pk" updates that line. The others are matched to
    stored lines saying exactly the same (left alone), then to a stored line of the
    same source and year (updated in place, so History shows one change), and are
    otherwise created; stored lines left unmatched are deleted. Queries: one read,
    then one bulk write of each kind, whatever the number of lines."""
    schemes = [s for s in wanted if s.pk is not None]
    line: ExpenditureLine | None
    stored: dict[int, list[ExpenditureLine]] = defaultdict(list)
    for line in ExpenditureLine.objects.filter(scheme__in=schemes).order_by("pk"):
        stored[line.scheme_id].append(line)
    creates: list[ExpenditureLine] = []
    updates: list[tuple[ExpenditureLine, tuple[str, ...]]] = []
    deletes: list[ExpenditureLine] = []
    for scheme, rows in wanted.items():
        left = {line.pk: line for line in stored.get(scheme.pk, [])}
        unpinned: list[LineValues] = []
        for values in rows:
            line = left.pop(values["pk"], None) if values.get("pk") else None
            if line is None:
                unpinned.append(values)
            elif line_key(line) != line_key(values):
                updates.append(_changes(line, values))
        by_key: dict[tuple, list[ExpenditureLine]] = defaultdict(list)
        for line in left.values():
            by_key[line_key(line)].append(line)
        changed: list[LineValues] = []
        for values in unpinned:
            same = by_key.get(line_key(values))
            if same:
                del left[same.pop().pk]
            else:
                changed.append(values)
        for values in changed:
            source_year = line_key(values)[:2]
            line = next(
                (line for line in left.values() if (line.source_id, line.year_id) == source_year),
                None,
            )
            if line is None:
                creates.append(_assign(ExpenditureLine(scheme=scheme), values))
            else:
                del left[line.pk]
                updates.append(_changes(line, values))
        deletes += list(left.values())
    if deletes:
        delete_with_history(deletes, user=user)
    if updates:
        update_with_history(updates, user=user)
    if creates:
        create_with_history(creates, user=user)
    return len(creates) + len(updates) + len(deletes)


def _changes(line: ExpenditureLine, values: LineValues) -> tuple[ExpenditureLine, tuple[str, ...]]:
    """The line with the wanted values, and the names of the fields that changed."""
    changed = tuple(name for name in LINE_FIELDS if _value(line, name) != _value(values, name))
    return _assign(line, values), changed


def _assign(line: ExpenditureLine, values: LineValues) -> ExpenditureLine:
    for name in LINE_FIELDS:
        setattr(line, name, values.get(name))
    return line


def _set_attributes(scheme: Scheme, attributes: Mapping[str, Any]) -> bool:
    changed = any(getattr(scheme, name) != value for name, value in attributes.items())
    for name, value in attributes.items():
        setattr(scheme, name, value)
    return changed


@transaction.atomic
def save_scheme(
    *,
    user: User,
    plan: Plan,
    scheme: Scheme,
    attributes: Mapping[str, Any],
    metrics: Iterable[Any] | None,
    lines: Sequence[LineValues],
    read_version: int | None,
) -> Scheme:
    """Add a scheme, or save an existing one, with its lines, or nothing. An existing
    scheme saves only if nobody has saved it since `read_version` was read."""
    check_can_edit_schemes(user, plan)
    if scheme.pk is not None:
        if not claim(Scheme.objects.filter(pk=scheme.pk, plan=plan), read_version or 0):
            raise EditConflict(Scheme.objects.get(pk=scheme.pk))
        scheme.lock_version = (read_version or 0) + 1
    scheme.plan = plan
    _set_attributes(scheme, attributes)
    try:
        with transaction.atomic():  # a savepoint: the refused insert leaves nothing behind
            scheme.save()
    except IntegrityError as error:
        # Another request (a double-click) took the ID between the form's check and here.
        if Scheme.objects.filter(plan=plan, code=scheme.code).exclude(pk=scheme.pk).exists():
            raise SchemeIdTaken(scheme.code) from error
        raise
    if metrics is not None:
        scheme.metrics.set(metrics)
    write_lines({scheme: lines}, user=user)
    return scheme


@transaction.atomic
def remove_scheme(*, user: User, plan: Plan, scheme: Scheme, read_version: int | None) -> None:
    """Remove a scheme and its lines, unless someone saved it since it was read."""
    check_can_edit_schemes(user, plan)
    if read_version is None or not claim(
        Scheme.objects.filter(pk=scheme.pk, plan=plan), read_version
    ):
        raise EditConflict(Scheme.objects.get(pk=scheme.pk))
    scheme.delete()


def write_schemes(
    *,
    user: User | None,
    plan: Plan,
    schemes: Mapping[str, Mapping[str, Any]],
    lines: Iterable[tuple[str, LineValues]],
) -> int:
    """Make the plan's schemes and lines exactly those given (an uploaded template):
    schemes by code, in the given order; return how many schemes and lines changed.
    Runs inside the caller's transaction; the caller checks permission."""
    changed = 0
    # with their scheme types: comparing the file's type with each scheme's reads it
    existing = {s.code: s for s in Scheme.objects.filter(plan=plan).select_related("scheme_type")}
    for order, (code, attributes) in enumerate(schemes.items()):
        scheme = existing.get(code)
        if scheme is None:
            existing[code] = Scheme.objects.create(
                plan=plan, order=order, **(dict(attributes) | {"code": code})
            )
            changed += 1
        elif _set_attributes(scheme, attributes):
            scheme.lock_version = F("lock_version") + 1
            scheme.save()
            scheme.refresh_from_db(fields=["lock_version"])
            changed += 1
    for code in [code for code in existing if code not in schemes]:
        existing.pop(code).delete()
        changed += 1
    wanted: dict[Scheme, list[LineValues]] = {scheme: [] for scheme in existing.values()}
    for code, values in lines:
        wanted[existing[code]].append(values)
    return changed + write_lines(wanted, user=user)
