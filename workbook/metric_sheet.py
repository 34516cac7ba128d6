"""The Metrics sheet of the planning template: one row per measure of each metric;
columns in period order (periods shorter than a year first, then each year, where a
monthly metric shows its live annual total); then, in a round that pays for
performance, the contingency columns on each metric's first row.

Only a metric's own periods (and its contingency cells) are input cells: the rest
are locked and grey, and the reader ignores whatever they hold. Cells are checked
with the metric page's own field rules (`metrics.forms.measure_field`,
`period_problem`, `planned_figures`), one field per metric and measure, each distinct
value once, never a form per metric."""

import functools
from dataclasses import dataclass, field
from datetime import date

from django import forms
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from metrics.forms import measure_field, period_problem, planned_figures
from metrics.models import MetricDefinition, MetricPeriod, PerformanceContingency
from metrics.selectors import MetricTable, metric_tables
from plans.stamps import kept_for_plan
from plans.ui import money_field

from . import layout as L
from . import money
from .cells import HEADER_FILL, POUNDS, THOUSANDS, UNLOCKED, UNUSED_FILL, header_row, protect

CONTINGENCY = ("planned_savings", "maximum_support", "ongoing_savings", "ongoing_support")
TOTAL_FILL = PatternFill("solid", fgColor="F3F2F1")
PLANNED_BY_PART = ("monthly", "quarterly")  # granularities whose years get a live total
FIELD_KEY = {"numerator": "num", "denominator": "den", "value": "val"}


def is_year(period: MetricPeriod) -> bool:
    start = period.year.start_year
    return period.starts == date(start, 4, 1) and period.ends == date(start + 1, 3, 31)


@dataclass
class Columns:
    """The sheet's period and contingency columns, the same for writer and reader."""

    periods: list[str]  # periods shorter than a year, in period order
    years: list[str]  # then the years
    contingency: list[str] = field(default_factory=list)  # headers, where the round pays

    @property
    def labels(self) -> list[str]:
        return self.periods + self.years

    def headers(self) -> list[str]:
        return L.METRICS_FIXED + self.labels + self.contingency

    def index(self, label: str) -> int:
        """0-based column of a period label."""
        return len(L.METRICS_FIXED) + self.labels.index(label)

    def contingency_index(self, name: str) -> int:
        return len(L.METRICS_FIXED) + len(self.labels) + CONTINGENCY.index(name)


def columns(round_, round_years=None) -> Columns:
    """The Metrics sheet's period columns; `round_years`, the round's years when the
    caller has read them already."""
    short: dict[str, MetricPeriod] = {}
    years: dict[str, tuple[int, str]] = {}
    for period in (
        MetricPeriod.objects.filter(metric__round=round_)
        .select_related("year", "metric")
        .order_by("starts", "ends", "label")
    ):
        if is_year(period):
            years[period.label] = (period.year.start_year, period.label)
        else:
            short.setdefault(period.label, period)
            if period.metric.granularity in PLANNED_BY_PART:
                years.setdefault(period.year.label, (period.year.start_year, period.year.label))
    found = Columns(list(short), [label for _start, label in sorted(years.values())])
    if MetricDefinition.objects.filter(round=round_, payment_for_performance=True).exists():
        if round_years is None:
            round_years = list(round_.years.all())
        last = max(round_years, key=lambda y: y.start_year, default=None)
        year = last.label if last else "the year"
        unit = money.unit(round_.amounts_in_thousands)
        found.contingency = [
            f"Planned savings if met, {year} ({unit})",
            f"Maximum support if not met, {year} ({unit})",
            f"Planned savings if met, ongoing ({unit})",
            f"Maximum support if not met, ongoing ({unit})",
        ]
    return found


def totalled(metric, key: str) -> bool:
    """Whether a measure's figures add up over a year (counts do; rates and
    populations do not)."""
    return key.startswith("component:") or key == "numerator" or metric.unit == "count"


# -- writing ---------------------------------------------------------------------


def write_metrics(workbook, round_, plan) -> list[tuple[MetricDefinition, dict[str, int]]]:
    """Write the sheet; return each metric with the row of each of its measures."""
    placed: list[tuple[MetricDefinition, dict[str, int]]] = []
    sheet = workbook.create_sheet(L.METRICS)
    sheet["A1"] = (
        "Metric plans: one row per measure, one column per period, then the years; "
        "white cells are yours to fill, grey ones are not periods of the metric"
    )
    layout = columns(round_)
    headers = layout.headers()
    header_row(sheet, 3, headers, L.HEADER_NAMES[L.METRICS], workbook)
    in_thousands = round_.amounts_in_thousands
    by_code = {t.metric.code: t for t in metric_tables(plan)} if plan is not None else {}
    row = 4
    for metric in (
        MetricDefinition.objects.filter(round=round_)
        .prefetch_related("components", "periods__year")
        .order_by("order")
    ):
        components = list(metric.components.all())
        own = {p.label: p for p in metric.periods.all()}
        table = by_code.get(metric.code)
        values = {r.period.label: r for r in table.plan.rows} if table and table.plan else {}
        keys = [f"component:{c.code}" for c in components]
        placed.append((metric, {}))
        for number, (key, label) in enumerate(L.measure_rows(metric, components)):
            placed[-1][1][key] = row
            sheet.cell(row=row, column=1, value=metric.code)
            sheet.cell(row=row, column=2, value=metric.name)
            sheet.cell(row=row, column=3, value=label)
            for period in layout.labels:
                cell = sheet.cell(row=row, column=layout.index(period) + 1)
                if period in own:
                    cell.protection = UNLOCKED
                    r = values.get(period)
                    if r is not None:
                        cell.value = (
                            r.components[keys.index(key)] if key in keys else getattr(r, key)
                        )
                    continue
                months = [
                    get_column_letter(layout.index(label) + 1)
                    for label, p in own.items()
                    if p.year.label == period and label in layout.periods
                ]
                if months and totalled(metric, key) and metric.granularity in PLANNED_BY_PART:
                    cell.value = "=SUM(" + ",".join(f"{m}{row}" for m in months) + ")"
                    cell.fill = TOTAL_FILL
                else:
                    cell.fill = UNUSED_FILL
            for name in CONTINGENCY if layout.contingency else ():
                cell = sheet.cell(row=row, column=layout.contingency_index(name) + 1)
                cell.number_format = THOUSANDS if in_thousands else POUNDS
                if number == 0 and metric.payment_for_performance:
                    cell.protection = UNLOCKED
                    amount = (
                        getattr(table.contingency, name) if table and table.contingency else None
                    )
                    if amount is not None:
                        cell.value = amount / L.THOUSAND if in_thousands else amount
                else:
                    cell.fill = UNUSED_FILL
            row += 1
    for column in range(len(L.METRICS_FIXED) + 1, len(headers) + 1):
        sheet.cell(row=3, column=column).fill = HEADER_FILL
    sheet.column_dimensions["B"].width = 50
    sheet.column_dimensions["C"].width = 40
    protect(sheet)
    return placed


# -- reading ---------------------------------------------------------------------


@dataclass
class SheetValues:
    """One metric as the sheet gives it, in the shape `metrics.actions.write_metric`
    takes from the metric page's form: only what the sheet carries counts as sent, so
    baselines, actuals, annual targets and local metric details are kept."""

    table: MetricTable
    figures: dict
    cleaned_data: dict
    sent: frozenset

    def planned(self):
        return self.figures

    def year_targets(self):
        return {}

    def actuals(self):
        return {}

    def posted(self, name):
        return name in self.sent

    def contingency(self):
        """The contingency figures as the sheet has them (the stored ones where the
        sheet has none)."""
        if not self.sent:
            return self.table.contingency
        return PerformanceContingency(**{n: self.cleaned_data.get(n) for n in CONTINGENCY})


class MetricSheet:
    """Mixin for the template Reader (which provides problem(), at(), value(), round,
    plan and the round's years)."""

    @functools.cached_property
    def metric_columns(self) -> Columns:
        """The Metrics sheet's columns for the round, worked out once per upload."""
        return columns(self.round, self.years)

    def read_metrics(self, rows, parsed):
        layout = self.metric_columns
        kept = kept_for_plan("metric-tables", self.plan, metric_tables)
        tables = {t.metric.code: t for t in kept}
        by_metric: dict[str, list] = {}
        for number, row in rows:
            code, measure = row[0], row[2]
            table = tables.get(code)
            if table is None:
                self.problem(
                    L.METRICS,
                    "Metrics",
                    f"A{number}",
                    f"Metric code: '{str(code)[:40]}' is not a metric of this round.",
                )
                continue
            keys = {label: key for key, label in L.measure_rows(table.metric, table.components)}
            if measure not in keys:
                self.problem(
                    L.METRICS,
                    table.metric.name,
                    f"C{number}",
                    f"Measure: '{str(measure)[:60]}' is not a measure of this metric.",
                )
                continue
            by_metric.setdefault(code, []).append((keys[measure], row, number))
        checked: dict = {}
        for code, measures in by_metric.items():
            values = self._metric_values(tables[code], measures, layout, checked)
            if values is not None:
                parsed.metrics.append((tables[code], values))

    def _clean(self, checked, metric, key, raw):
        """(value, message) for a figure, each distinct value of a field once."""
        kind = "component" if key.startswith("component:") else FIELD_KEY[key]
        if (metric.pk, kind) not in checked:
            checked[(metric.pk, kind)] = (measure_field(metric, kind, ""), {})
        field_, seen = checked[(metric.pk, kind)]
        if raw not in seen:
            try:
                seen[raw] = (field_.clean(raw), None)
            except forms.ValidationError as error:
                seen[raw] = (None, error.messages[0])
        return seen[raw]

    def _metric_values(self, table, measures, layout, checked):
        metric, section = table.metric, table.metric.name
        own = {p.label: p for p in table.periods}
        fine = True
        got: dict = {}  # (key, period label) -> value
        cells: dict = {}
        for key, row, number in measures:
            for label in own:
                if label not in layout.labels:
                    continue
                cell = self.at(number, layout.index(label), row)
                raw = self.value(L.METRICS, cell, section, label)
                if raw is None:
                    fine = False
                    continue
                value, message = self._clean(checked, metric, key, raw)
                if message:
                    message = f"{label}: {message[:1].lower()}{message[1:]}."
                    self.problem(L.METRICS, section, cell.coordinate, message)
                    fine = False
                got[(key, label)], cells[(key, label)] = value, cell.coordinate
        figures = {}
        codes = [c.code for c in table.components]
        for label, period in own.items():
            parts = {c: got.get((f"component:{c}", label)) for c in codes}
            numerator = got.get(("numerator", label))
            denominator = got.get(("denominator", label))
            problem = ("denominator", label) in cells and period_problem(
                label,
                denominator=denominator,
                has_count=any(v is not None for v in parts.values()) or numerator is not None,
                has_components=bool(codes),
            )
            if problem:
                self.problem(L.METRICS, section, cells[("denominator", label)], problem)
                fine = False
            planned = planned_figures(
                metric, parts, numerator, denominator, got.get(("value", label))
            )
            if planned is not None:
                figures[period] = planned
        cleaned = {
            "baseline_value": table.baseline.value if table.baseline else None,
            "baseline_period": table.baseline.period_label if table.baseline else "",
        }
        sent = frozenset()
        first_key = L.measure_rows(metric, table.components)[0][0]
        first = next((m for m in measures if m[0] == first_key), None)
        if metric.payment_for_performance and layout.contingency and first is not None:
            _key, row, number = first
            found = self._contingency(row, number, layout, section)
            if found is None:
                fine = False
            else:
                cleaned |= found
                sent = frozenset(CONTINGENCY)
        return SheetValues(table, figures, cleaned, sent) if fine else None

    def _contingency(self, row, number, layout, section):
        in_thousands = self.round.amounts_in_thousands
        field_ = money_field("")
        found, fine = {}, True
        for position, name in enumerate(CONTINGENCY):
            cell = self.at(number, layout.contingency_index(name), row)
            title = layout.contingency[position].rsplit(" (", 1)[0]
            raw = self.value(L.METRICS, cell, section, title)
            if raw is None:
                fine = False
                continue
            pounds = money.in_pounds(raw, in_thousands)
            try:
                if pounds is None:
                    raise forms.ValidationError("too large", code="max_value")
                found[name] = field_.clean(pounds)
            except forms.ValidationError as error:
                self.problem(
                    L.METRICS,
                    section,
                    cell.coordinate,
                    f"{title}: {money.message(error, in_thousands)}.",
                )
                fine = False
        return found if fine else None
