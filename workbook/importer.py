"""Apply a validated template to a plan: all of it in one transaction, or nothing,
through the same writers as the pages (finance, schemes and metrics actions). Only
what differs is written, so uploading the same file twice changes nothing and adds no
history rows."""

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import transaction

from finance.actions import write_income
from metrics.actions import touch_metric, write_metric
from metrics.selectors import MetricTable
from plans.models import Plan, Section
from plans.sections.actions import touch_sections
from schemes.actions import line_key, write_schemes
from schemes.models import ExpenditureLine

from .reader import Parsed

if TYPE_CHECKING:
    from metrics.forms import MetricValuesForm

# A stored planned value: (period pk, value, numerator, denominator, (component values)).
type MetricState = tuple[
    int, Decimal | None, Decimal | None, Decimal | None, tuple[Decimal | None, ...]
]

# What an upload can change, so anyone with one of these pages open must reload.
SECTIONS_WRITTEN = (Section.Kind.FINANCE, Section.Kind.METRICS, Section.Kind.SCHEMES)


def current_lines(plan: Plan) -> Counter:
    """The plan's lines as (scheme code, *what the line says), counted."""
    lines = ExpenditureLine.objects.filter(scheme__plan=plan).select_related("scheme")
    return Counter((line.scheme.code, *line_key(line)) for line in lines)


def _apply_schemes_and_lines(plan: Plan, parsed: Parsed, user: User | None) -> int:
    return write_schemes(user=user, plan=plan, schemes=parsed.schemes, lines=parsed.lines)


def _metric_state(table: MetricTable) -> list[MetricState]:
    return [
        (r.period.pk, r.value, r.numerator, r.denominator, tuple(r.components))
        for r in (table.plan.rows if table.plan else [])
        if r.value is not None or r.numerator is not None
    ]


def _apply_metrics(
    plan: Plan,
    metrics: Iterable[tuple[MetricTable, "MetricValuesForm"]],
    user: User | None = None,
) -> int:
    changed = 0
    for table, form in metrics:
        wanted = sorted(
            (
                period.pk,
                value,
                numerator,
                denominator,
                tuple(parts.get(c.code) for c in table.components),
            )
            for period, (value, numerator, denominator, parts) in form.planned().items()
        )
        if wanted != sorted(_metric_state(table)):
            touch_metric(plan=plan, metric=table.metric, user=user)  # open pages must reload
            write_metric(plan, table, form)
            changed += 1
    return changed


@transaction.atomic
def apply_template(plan: Plan, parsed: Parsed, user: User | None = None) -> int:
    """Write the parsed template; return how many things changed (0: identical).
    The caller (workbook.actions.import_template) has checked permission."""
    changed = write_income(plan=plan, amounts=parsed.income.amounts()) if parsed.income else 0
    changed += _apply_schemes_and_lines(plan, parsed, user)
    changed += _apply_metrics(plan, parsed.metrics, user)
    if changed:
        touch_sections(plan=plan, kinds=SECTIONS_WRITTEN, user=user)
    return changed
