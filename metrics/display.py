"""The metrics page's figures as the text its cells show, worked out once per page in
Python rather than by a template filter per cell. `Numbers` gives exactly what
`{{ value|floatformat:arg|default:"—" }}` gives (tests compare the two over many
values); it reads the active locale's separators once, when it is made."""

from decimal import ROUND_HALF_UP, Context, Decimal, getcontext
from typing import NamedTuple

from django.template.defaultfilters import floatformat
from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from .models import MetricDefinition
from .selectors import MetricTable, Series

DASH = mark_safe("—")  # a constant with nothing to escape


def _spec(arg: str) -> tuple[int, bool] | None:
    """(decimal places, whole numbers without decimals) of a grouped floatformat
    argument such as "-1g"; None for any other kind, which `Numbers` hands to
    floatformat itself."""
    if not arg.endswith("g") or arg.endswith(("gu", "ug")):
        return None
    try:
        places = int(arg[:-1] or -1)
    except ValueError:
        return None
    return abs(places), places <= 0


class Numbers:
    """floatformat(value, arg) with "—" for a missing value, for Decimals and the
    grouped arguments ("-1g", "0g", "1g", ...) the page uses; anything else goes to
    floatformat unchanged."""

    def __init__(self):
        self.decimal = get_format("DECIMAL_SEPARATOR")
        self.thousands = get_format("THOUSAND_SEPARATOR")
        # Groups of three, as format(",") makes them; other groupings use floatformat.
        self.fast = get_format("NUMBER_GROUPING") == 3
        self.specs: dict[str, tuple[int, bool] | None] = {}

    def __call__(self, value, arg: str) -> str:
        if value is None:
            return DASH
        try:
            spec = self.specs[arg]
        except KeyError:
            spec = self.specs[arg] = _spec(arg)
        if spec is None or not self.fast or type(value) is not Decimal or not value.is_finite():
            return floatformat(value, arg) or DASH
        _, digits, exponent = value.as_tuple()
        if len(digits) + abs(exponent) > 200:  # floatformat returns these as they are
            return floatformat(value, arg) or DASH
        places, whole_only = spec
        integral = value == value.to_integral_value()
        if integral and whole_only:
            whole, fraction, negative = abs(int(value)), "", int(value) < 0
            places = 0
        else:
            units = len(digits) + (exponent if integral else -exponent)
            context = Context(prec=max(getcontext().prec, places + units + 1))
            rounded = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, context)
            text = f"{rounded.copy_abs():f}"
            whole, _, fraction = text.partition(".")
            whole, negative = int(whole), rounded.is_signed() and bool(rounded)
        grouped = f"{whole:,}"
        if self.thousands != ",":
            grouped = grouped.replace(",", self.thousands)
        if places:
            grouped = f"{grouped}{self.decimal}{fraction}"
        # Digits and the locale's separators, marked safe as floatformat marks them.
        return mark_safe(f"-{grouped}" if negative else grouped)  # noqa: S308


class Cells(NamedTuple):
    """One period's row of a series table, as shown."""

    label: str
    components: list[SafeString | str]
    numerator: SafeString | str
    denominator: SafeString | str
    value: SafeString | str
    actual: SafeString | str


class SeriesView(NamedTuple):
    series: Series
    rows: list[Cells]
    body: SafeString  # the rows as the table's <tbody> shows them (rows_html)
    sums: list[tuple[str, SafeString | str, SafeString | str]]


CELL = '<td class="govuk-table__cell govuk-table__cell--numeric">'


def rows_html(rows: list[Cells], *, rate_columns: bool, actual: bool) -> SafeString:
    """The period rows of a series table, markup and spacing as the template's loop
    wrote them, in one pass instead of about a dozen template nodes per row. The
    label is escaped; the figures come from Numbers (digits, separators and "—")."""
    out = []
    for row in rows:
        parts = "".join(f"{CELL}{conditional_escape(part)}</td>" for part in row.components)
        rates = (
            f"{CELL}{conditional_escape(row.numerator)}</td>"
            f"{CELL}{conditional_escape(row.denominator)}</td>"
            if rate_columns
            else ""
        )
        shown = f"{CELL}{conditional_escape(row.actual)}</td>" if actual else ""
        label = conditional_escape(row.label)
        out.append(
            '\n    <tr class="govuk-table__row">\n'
            f'      <th scope="row" class="govuk-table__header">{label}</th>\n'
            f"      {parts}\n"
            f"      {rates}\n"
            f"      {CELL}{conditional_escape(row.value)}</td>\n"
            f"      {shown}\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def series_views(table: MetricTable, number: Numbers) -> list[SeriesView]:
    """Each series of the table with its rows and its quarterly and annual sums."""
    rate_columns = has_rate_columns(table.metric)
    views = []
    for series in table.series:
        rows = [
            Cells(
                row.period.label,
                [number(part, "-1g") for part in row.components],
                number(row.numerator, "-1g"),
                number(row.denominator, "0g"),
                number(row.value, "-1g"),
                number(row.actual, "-1g"),
            )
            for row in series.rows
        ]
        body = rows_html(rows, rate_columns=rate_columns, actual=series.trajectory.is_plan)
        sums = [
            (label, number(count, "1g"), number(rate, "1g"))
            for label, count, rate in series.sums(table.metric)
        ]
        views.append(SeriesView(series, rows, body, sums))
    return views


def has_rate_columns(metric: MetricDefinition) -> bool:
    """Whether the table shows a numerator and a denominator."""
    return bool(metric.rate_base or metric.unit == "percentage")
