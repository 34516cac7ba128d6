"""Entering one metric: baseline, planned values per period, actuals, contingency."""

from decimal import Decimal, InvalidOperation

from django import forms

from plans.ui import money_field

from .rates import rate

UNIT = "%"


class NumberField(forms.DecimalField):
    """A figure as people type it and as the page shows it. "198,408", "198408" and
    "198408.00" are the same whole number, so a page saved as loaded is valid; a
    real fraction where the field takes fewer places is still refused. Stored values
    are shown without trailing zeros (198408.00 as 198408, 360.60 as 360.6)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").replace(" ", "")
        number = super().to_python(value)
        if number is None or not number.is_finite() or self.decimal_places is None:
            return number
        try:
            exact = number.quantize(Decimal(1).scaleb(-self.decimal_places))
        except InvalidOperation:  # too many digits: max_digits refuses it
            return number
        return exact if exact == number else number

    def prepare_value(self, value):
        if isinstance(value, Decimal) and value.is_finite():
            return format(value.normalize(), "f")
        return super().prepare_value(value)


def number(label, *, max_value=None, places=2, messages=None):
    return NumberField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_value=max_value,
        max_digits=14,
        decimal_places=places,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "govuk-input govuk-input--width-5"}
        ),
        error_messages={
            "invalid": "Enter a number",
            "min_value": "Enter 0 or more",
            "max_value": "Enter a percentage from 0 to 100",
            "max_decimal_places": "Enter a whole number"
            if places == 0
            else f"Enter a number with at most {places} decimal places",
        }
        | (messages or {}),
    )


def measure_field(metric, key, label):
    """The field for one figure of a period: `key` is "component", "num", "den", "val"
    or "act". The metric page and the Excel template both check figures with it."""
    if key == "component":
        return number(label, places=2)
    if key == "den":
        return number(
            label,
            places=0,
            messages={"max_decimal_places": "Enter the population as a whole number"},
        )
    ceiling = Decimal(100) if metric.unit == "percentage" and key in ("val", "act") else None
    return number(label, max_value=ceiling)


def period_problem(label, *, denominator, has_count, has_components):
    """Why a period's population cannot stand with its counts, or None (page and
    template alike)."""
    if denominator == 0:
        return f"{label}: the denominator cannot be 0"
    # A count of days needs its population; an annual count (B&D's 160 admissions)
    # may be stored as published, its rate worked out once the population is in.
    if denominator is None and has_count and has_components:
        return f"{label}: enter the population (denominator) too"
    return None


def planned_figures(metric, parts, numerator, denominator, value):
    """(value, numerator, denominator, parts) of one period as stored, or None where
    nothing is planned: a rate or percentage is computed from its counts where it
    can be, never typed."""
    entered = [v for v in parts.values() if v is not None]
    if entered:
        numerator = sum(entered, Decimal(0))
    if metric.unit == "rate":
        computed = rate(numerator, denominator, metric.rate_base)
        value = value if computed is None else computed
    elif metric.unit == "percentage" and numerator is not None and denominator:
        value = rate(numerator, denominator, 100)
    if value is None and numerator is None:
        return None
    return value, numerator, denominator, parts


class MetricValuesForm(forms.Form):
    """Fields are named by period so the page can lay them out as a grid."""

    baseline_period = forms.CharField(label="Baseline period", max_length=60, required=False)

    def __init__(self, *args, table, local=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        metric = table.metric
        self.is_rate = metric.unit == "rate"
        self.is_percentage = metric.unit == "percentage"
        ceiling = Decimal(100) if self.is_percentage else None
        self.fields["baseline_value"] = number("Baseline value", max_value=ceiling)
        baseline = table.baseline
        if baseline is not None:
            self.fields["baseline_period"].initial = baseline.period_label
            self.fields["baseline_value"].initial = baseline.value
        rows = {row.period.pk: row for row in table.plan.rows} if table.plan else {}
        self.grid = []
        for period in table.periods:
            row = rows.get(period.pk)
            cells = {}
            for position, component in enumerate(table.components):
                name = f"c-{component.code}-{period.pk}"
                self.fields[name] = measure_field(
                    metric, "component", f"{component.name}, {period.label}"
                )
                self.fields[name].initial = row.components[position] if row else None
                cells[component.code] = name
            if self.is_rate or self.is_percentage:
                if not table.components:
                    cells["num"] = f"num-{period.pk}"
                    self.fields[cells["num"]] = measure_field(
                        metric, "num", f"{metric.numerator_label or 'Numerator'}, {period.label}"
                    )
                    self.fields[cells["num"]].initial = row.numerator if row else None
                cells["den"] = f"den-{period.pk}"
                self.fields[cells["den"]] = measure_field(
                    metric, "den", f"{metric.denominator_label or 'Denominator'}, {period.label}"
                )
                self.fields[cells["den"]].initial = row.denominator if row else None
            if not table.components:  # a rate may be stated where no counts are published
                cells["val"] = f"val-{period.pk}"
                self.fields[cells["val"]] = measure_field(
                    metric, "val", f"Planned value, {period.label}"
                )
                self.fields[cells["val"]].initial = row.value if row else None
            cells["act"] = f"act-{period.pk}"
            self.fields[cells["act"]] = measure_field(metric, "act", f"Actual, {period.label}")
            self.fields[cells["act"]].initial = row.actual if row else None
            self.grid.append((period, cells))
        self.year_fields = []
        if metric.granularity == metric.Granularity.MONTHLY and not self.is_percentage:
            # A year may be planned as one annual figure instead of month by month.
            targets = table.plan.year_targets if table.plan else {}
            years = {p.year.start_year: p.year for p in table.periods}
            for start, year in sorted(years.items()):
                name = f"year-{start}"
                self.fields[name] = number(
                    f"Annual target for {year.label}"
                    + (f" (per {metric.rate_base:,})" if metric.rate_base else "")
                )
                target = targets.get(start)
                self.fields[name].initial = target.value if target else None
                self.year_fields.append((year, name))
        if metric.is_local:
            self.fields["local_name"] = forms.CharField(
                label="Name of your local metric", max_length=200, required=False
            )
            self.fields["local_definition"] = forms.CharField(
                label="How it is defined and measured",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields["local_units"] = forms.CharField(
                label="Units",
                max_length=100,
                required=False,
                help_text='For example "per 100,000 aged 65+".',
            )
            if local is not None:
                self.fields["local_name"].initial = local.name
                self.fields["local_definition"].initial = local.definition
                self.fields["local_units"].initial = local.units
        if metric.payment_for_performance:
            contingency = table.contingency
            labels = {
                "planned_savings": "Planned savings if the target is met, 2015/16 (£)",
                "maximum_support": "Maximum support other services need if it is not, 2015/16 (£)",
                "ongoing_savings": "Planned savings if the target is met, ongoing each year (£)",
                "ongoing_support": "Maximum support needed if it is not, ongoing each year (£)",
            }
            for name, label in labels.items():
                self.fields[name] = money_field(label)
                if contingency is not None:
                    self.fields[name].initial = getattr(contingency, name)

    def bound_grid(self):
        """[(period, {cell: bound field})] for the template."""
        return [(period, {k: self[v] for k, v in cells.items()}) for period, cells in self.grid]

    def clean(self):
        cleaned = super().clean()
        for period, cells in self.grid:
            den = cells.get("den")
            problem = den and period_problem(
                period.label,
                denominator=cleaned.get(den),
                has_count=self._has_count(cells),
                has_components=bool(self.table.components),
            )
            if problem:
                self.add_error(den, problem)
        if cleaned.get("baseline_value") is not None and not cleaned.get("baseline_period"):
            self.add_error("baseline_period", "Enter the period the baseline is for")
        return cleaned

    def _has_count(self, cells):
        return any(
            self.cleaned_data.get(cells[k]) is not None
            for k in cells
            if k not in ("den", "val", "act")
        )

    def planned(self):
        """{period: (value, numerator, denominator, {component code: value})} per period
        with anything entered; rates and percentages computed, never typed."""
        out = {}
        for period, cells in self.grid:
            get = self.cleaned_data.get
            parts = {
                code: get(name)
                for code, name in cells.items()
                if code not in ("num", "den", "val", "act")
            }
            figures = planned_figures(
                self.table.metric,
                parts,
                get(cells.get("num", ""), None),
                get(cells.get("den", ""), None),
                get(cells.get("val", ""), None),
            )
            if figures is not None:
                out[period] = figures
        return out

    def bound_year_fields(self):
        return [self[name] for _year, name in self.year_fields]

    def year_targets(self):
        """{year: annual target or None} for a monthly metric's years."""
        return {year: self.cleaned_data.get(name) for year, name in self.year_fields}

    def posted(self, name):
        """Whether the page sent the field: the Excel template does not carry every
        field the page has, and what it leaves out is left as it is."""
        return name in self.fields and (not self.is_bound or name in self.data)

    def actuals(self):
        return {period: self.cleaned_data.get(cells["act"]) for period, cells in self.grid}
