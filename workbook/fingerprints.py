"""What each table of a template held when it was downloaded, so an upload never
silently undoes what was changed on the web since.

A template carries a fingerprint of each table (income, expenditure, metrics) as the
plan held it at download. On upload, per table:
- the file still says what was downloaded (the user did not edit it): the table is
  left alone, so web edits made since are kept;
- the plan still holds what was downloaded (nobody changed it on the web): the file's
  table is applied;
- both changed: the upload is refused, naming who changed the plan and when.
"""

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from finance.models import IncomeLine
from metrics.models import MetricLock
from metrics.selectors import MetricTable
from plans.models import Plan
from schemes.actions import line_key
from schemes.models import ExpenditureLine, Scheme
from schemes.selectors import LINE_FIELDS

TABLES = ("income", "expenditure", "metrics")
SHEET_OF = {"income": "Income", "expenditure": "Expenditure", "metrics": "Metrics"}

# A stored planned value: (period pk, value, numerator, denominator, (component values)).
type MetricState = tuple[
    int, Decimal | None, Decimal | None, Decimal | None, tuple[Decimal | None, ...]
]


def metric_state(table: MetricTable) -> list[MetricState]:
    return [
        (r.period.pk, r.value, r.numerator, r.denominator, tuple(r.components))
        for r in (table.plan.rows if table.plan else [])
        if r.value is not None or r.numerator is not None
    ] + contingency_state(table.contingency)


def contingency_state(figures: Any) -> list[MetricState]:
    """2014-16 contingency figures as one more state (period 0), where any is set."""
    names = ("planned_savings", "maximum_support", "ongoing_savings", "ongoing_support")
    values = [getattr(figures, name, None) for name in names]
    if all(v is None for v in values):
        return []
    return [(0, values[0], values[1], values[2], (values[3],))]


def planned_state(table: MetricTable, form: Any) -> list[MetricState]:
    """The planned values a validated metric form (page or template) asks for."""
    return [
        (
            period.pk,
            value,
            numerator,
            denominator,
            tuple(parts.get(c.code) for c in table.components),
        )
        for period, (value, numerator, denominator, parts) in form.planned().items()
    ] + contingency_state(form.contingency() if hasattr(form, "contingency") else None)


# What a stored line says, as columns: the same values as schemes.actions.line_key.
LINE_COLUMNS = tuple(
    ExpenditureLine._meta.get_field(name).attname  # type: ignore[union-attr]
    for name in LINE_FIELDS
)

type IncomeState = dict[tuple[int, int], Decimal]  # (source pk, year pk) -> amount


def held_lines(plan: Plan) -> list[tuple]:
    """The plan's lines as (scheme code, *what the line says): one query, no models."""
    return list(
        ExpenditureLine.objects.filter(scheme__plan=plan)
        .order_by()
        .values_list("scheme__code", *LINE_COLUMNS)
    )


def held_income(plan: Plan) -> IncomeState:
    """The plan's income lines: one query."""
    rows = IncomeLine.objects.filter(plan=plan).order_by()
    return {(s, y): a for s, y, a in rows.values_list("source_id", "year_id", "amount")}


def current_lines(plan: Plan) -> Counter:
    """The plan's lines as (scheme code, *what the line says), counted."""
    return Counter(held_lines(plan))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 360.60 and 360.6 are the same figure
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return getattr(value, "pk", value)


def digest(items: Iterable[tuple]) -> str:
    rows = sorted(repr(_plain(tuple(item))) for item in items)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:20]


def _expenditure(schemes: Iterable[tuple], lines: Counter) -> str:
    return digest(
        [("scheme", *s) for s in schemes]
        + [("line", *key) for key, count in lines.items() for _ in range(count)]
    )


def stored(
    plan: Plan,
    tables: Iterable[MetricTable],
    *,
    income: IncomeState | None = None,
    lines: Iterable[tuple] | None = None,
) -> dict[str, str]:
    """The fingerprint of each table as the plan holds it now (pass the `income` and
    `lines` already read, from held_income and held_lines, to not read them again)."""
    income = held_income(plan) if income is None else income
    return {
        "income": digest((s, y, a) for (s, y), a in income.items()),
        "expenditure": _expenditure(
            Scheme.objects.filter(plan=plan).values_list(
                "code", "name", "theme", "scheme_type_id", "lead_provider", "joint_lead_provider"
            ),
            current_lines(plan) if lines is None else Counter(lines),
        ),
        "metrics": digest((t.metric.code, *state) for t in tables for state in metric_state(t)),
    }


def uploaded(parsed: Any) -> dict[str, str]:
    """The fingerprint of each table as an uploaded template gives it."""
    amounts = parsed.income.amounts() if parsed.income else {}
    return {
        "income": digest(
            (source, year, amount)
            for (source, year), amount in amounts.items()
            if amount is not None
        ),
        "expenditure": _expenditure(
            (
                (
                    code,
                    a["name"],
                    a["theme"],
                    getattr(a["scheme_type"], "pk", a["scheme_type"]),
                    a["lead_provider"],
                    a["joint_lead_provider"],
                )
                for code, a in parsed.schemes.items()
            ),
            Counter((code, *line_key(values)) for code, values in parsed.lines),
        ),
        "metrics": digest(
            (table.metric.code, *state)
            for table, form in parsed.metrics
            for state in planned_state(table, form)
        ),
    }


@dataclass(frozen=True)
class Change:
    """Who last changed a table of the plan, and when (None where nobody is known)."""

    by: User | None
    at: datetime | None


def last_change(plan: Plan, table: str) -> Change:
    if table == "income":
        row = IncomeLine.history.filter(plan=plan).order_by("-history_date").first()
    elif table == "expenditure":
        scheme = Scheme.history.filter(plan=plan).order_by("-history_date").first()
        line = ExpenditureLine.history.filter(scheme__plan=plan).order_by("-history_date").first()
        row = max(
            (r for r in (scheme, line) if r is not None),
            key=lambda r: r.history_date,
            default=None,
        )
    else:
        lock = MetricLock.objects.filter(plan=plan).order_by("-updated_at").first()
        return Change(lock.updated_by, lock.updated_at) if lock else Change(None, None)
    return Change(row.history_user, row.history_date) if row else Change(None, None)


def tables_to_apply(
    plan: Plan,
    stamped: Mapping[str, str | None],
    in_file: Mapping[str, str],
    now: Mapping[str, str],
) -> tuple[set[str], dict[str, Change]]:
    """(tables to write, {table: last change} for each table changed both in the file
    and on the web since the download). A template with no fingerprint (blank, or from
    before fingerprints) is applied whole, as before."""
    apply, conflicts = set(), {}
    for table in TABLES:
        downloaded = stamped.get(table)
        if not downloaded:
            apply.add(table)
        elif in_file[table] == downloaded:
            continue  # not edited in the file: keep whatever the web holds now
        elif now[table] == downloaded:
            apply.add(table)
        else:
            conflicts[table] = last_change(plan, table)
    return apply, conflicts
