"""One form per part of a return, built from the return's sheet (selectors.ReturnSheet).
The web pages and the Excel reader both fill these forms, so a figure refused in the
browser is refused in a workbook, with the same words. Field names are the rows' keys."""

from decimal import Decimal
from typing import Any

from django import forms

from metrics.forms import NumberField
from metrics.rates import rate
from plans.models import ReturnSettings
from plans.ui import MAX_TEXT, money_field

from .models import MilestoneReport, SchemeReport

Part = ReturnSettings.Part
YES_NO = [("yes", "Yes"), ("no", "No")]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y"]


def yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        required=False,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Answer yes or no"},
    )


def date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        help_text="For example, 21/07/2017",
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10"}),
        error_messages={"invalid": "Enter a real date, like 21/07/2017"},
    )


def text(label: str, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": rows, "class": "govuk-textarea"}),
    )


def figure(label: str, places: int = 2, ceiling: Decimal | None = None) -> NumberField:
    field = NumberField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_value=ceiling,
        max_digits=14,
        decimal_places=places,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "govuk-input govuk-input--width-5"}
        ),
        error_messages={
            "invalid": "Enter a number",
            "min_value": "Enter 0 or more",
            "max_value": "Enter a percentage from 0 to 100",
            "max_decimal_places": f"Enter a number with at most {places} decimal places",
        },
    )
    return field


class PartForm(forms.Form):
    """A part of a return. `completing`: the author says the part is done, so what
    the round requires must be there."""

    part: str = ""

    def __init__(self, data: Any = None, *, sheet: Any, completing: bool = False) -> None:
        super().__init__(data)
        self.sheet, self.completing = sheet, completing
        self.build()

    def build(self) -> None:
        raise NotImplementedError

    def need(self, name: str, message: str) -> None:
        if self.cleaned_data.get(name) in (None, ""):
            self.add_error(name, message)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.completing and not self.errors:
            self.strict()
        return cleaned

    def strict(self) -> None:
        """What the part needs before it can be marked complete."""


class BudgetForm(PartForm):
    part = Part.BUDGET

    def build(self) -> None:
        r = self.sheet.plan_return
        self.fields["section_75_in_place"] = yes_no(
            "Is the section 75 pooled budget agreement in place?"
        )
        self.fields["section_75_signed_on"] = date_field("Date the agreement was signed")
        self.fields["budget_note"] = text(
            "Anything the national team should know about the arrangements (required if "
            "the agreement is not in place)"
        )
        self.initial = {
            "section_75_in_place": {True: "yes", False: "no"}.get(r.section_75_in_place),
            "section_75_signed_on": r.section_75_signed_on,
            "budget_note": r.budget_note,
        }

    def strict(self) -> None:
        answer = self.cleaned_data.get("section_75_in_place")
        if answer is None:
            self.add_error(
                "section_75_in_place", "Answer whether the section 75 agreement is in place"
            )
        elif answer:
            self.need("section_75_signed_on", "Enter the date the agreement was signed")
        else:
            self.need("budget_note", "Say why the agreement is not in place and when it will be")


class ConditionsForm(PartForm):
    part = Part.CONDITIONS

    def build(self) -> None:
        for row in self.sheet.conditions:
            code, report = row.condition.code, row.report
            self.fields[f"met-{code}"] = yes_no(
                f"Condition {code}: {row.condition.title}. Is it still met?"
            )
            self.fields[f"why-{code}"] = text(
                f"Condition {code}: why not, and what is being done", rows=2
            )
            if report:
                self.initial[f"met-{code}"] = {True: "yes", False: "no"}.get(report.still_met)
                self.initial[f"why-{code}"] = report.explanation

    def strict(self) -> None:
        for row in self.sheet.conditions:
            code = row.condition.code
            met = self.cleaned_data.get(f"met-{code}")
            if met is None:
                self.add_error(f"met-{code}", f"Condition {code}: answer whether it is still met")
            elif not met:
                self.need(f"why-{code}", f"Condition {code}: explain why it is not met")

    def answers(self) -> list[tuple[Any, bool | None, str]]:
        return [
            (
                row.condition,
                self.cleaned_data.get(f"met-{row.condition.code}"),
                self.cleaned_data.get(f"why-{row.condition.code}", ""),
            )
            for row in self.sheet.conditions
        ]


class FinanceForm(PartForm):
    part = Part.FINANCE

    def build(self) -> None:
        for row in self.rows():
            self.fields[f"to-{row.key}"] = money_field(f"{row.label}, {row.source.name}: to date")
            self.fields[f"fc-{row.key}"] = money_field(
                f"{row.label}, {row.source.name}: forecast outturn"
            )
            self.initial[f"to-{row.key}"] = row.to_date
            self.initial[f"fc-{row.key}"] = row.forecast

    def rows(self) -> list[Any]:
        return [*self.sheet.income, *self.sheet.spend]

    def strict(self) -> None:
        for row in self.rows():
            for prefix, what in (("to", "the amount to date"), ("fc", "the forecast outturn")):
                self.need(f"{prefix}-{row.key}", f"{row.label}, {row.source.name}: enter {what}")

    def figures(self) -> list[tuple[Any, Decimal | None, Decimal | None]]:
        return [
            (row, self.cleaned_data.get(f"to-{row.key}"), self.cleaned_data.get(f"fc-{row.key}"))
            for row in self.rows()
        ]


class MetricsForm(PartForm):
    """Actuals for the metric periods this return reports: a count and population
    where the metric is a rate or percentage (the value is computed), else the value."""

    part = Part.METRICS

    def build(self) -> None:
        self.grid = []
        for block in self.sheet.metrics:
            metric = block.metric
            counted = metric.unit in ("rate", "percentage")
            ceiling = Decimal(100) if metric.unit == "percentage" else None
            for row in block.reported:
                pk, label = row.period.pk, f"{metric.name}, {row.period.label}"
                names = {}
                if counted:
                    names["num"] = f"num-{pk}"
                    self.fields[names["num"]] = figure(
                        f"{label}: {metric.numerator_label or 'count'}"
                    )
                    self.initial[names["num"]] = row.numerator
                    names["den"] = f"den-{pk}"
                    self.fields[names["den"]] = figure(
                        f"{label}: {metric.denominator_label or 'population'}", places=0
                    )
                    self.initial[names["den"]] = row.denominator or row.planned_denominator
                names["val"] = f"val-{pk}"
                self.fields[names["val"]] = figure(
                    f"{label}: actual" + (" (if no counts)" if counted else ""), ceiling=ceiling
                )
                self.initial[names["val"]] = (
                    None if counted and row.numerator is not None else row.actual
                )
                self.grid.append((block, row, names))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for block, row, names in self.grid:
            if "den" in names and cleaned.get(names["den"]) == 0:
                self.add_error(
                    names["den"],
                    f"{block.metric.name}, {row.period.label}: the population cannot be 0",
                )
            if (
                "num" in names
                and cleaned.get(names["num"]) is not None
                and not cleaned.get(names["den"])
            ):
                self.add_error(
                    names["den"],
                    f"{block.metric.name}, {row.period.label}: enter the population too",
                )
        return cleaned

    def strict(self) -> None:
        for (block, row, names), (_period, value, _n, _d) in zip(
            self.grid, self.actuals(), strict=True
        ):
            if value is None:
                self.add_error(
                    names.get("num", names["val"]),
                    f"{block.metric.name}, {row.period.label}: enter the actual",
                )

    def actuals(self) -> list[tuple[Any, Decimal | None, Decimal | None, Decimal | None]]:
        """(metric period, value, numerator, denominator) per period; a rate or
        percentage computed from its counts, never typed over them."""
        out = []
        get = self.cleaned_data.get
        for block, row, names in self.grid:
            metric = block.metric
            numerator, denominator = get(names.get("num", "")), get(names.get("den", ""))
            value = get(names["val"])
            if numerator is not None and denominator:
                base = metric.rate_base if metric.unit == "rate" else 100
                value = rate(numerator, denominator, base)
            else:
                numerator = None
            out.append(
                (row.period, value, numerator, denominator if numerator is not None else None)
            )
        return out


class DeliveryForm(PartForm):
    part = Part.DELIVERY

    def build(self) -> None:
        statuses = [("", "Choose a status"), *MilestoneReport.Status.choices]
        rags = [("", "Choose a rating"), *SchemeReport.Rag.choices]
        for row in self.sheet.milestones:
            pk, m, report = row.item.pk, row.item, row.report
            self.fields[f"ms-{pk}-status"] = forms.ChoiceField(
                label=f"{m.reference} {m.action}: status",
                choices=statuses,
                required=False,
                widget=forms.Select(attrs={"class": "govuk-select"}),
                error_messages={"invalid_choice": "Choose done, on track or slipped"},
            )
            self.fields[f"ms-{pk}-date"] = date_field(f"{m.reference}: new date")
            self.fields[f"ms-{pk}-reason"] = text(f"{m.reference}: why it slipped", rows=2)
            if report:
                self.initial |= {
                    f"ms-{pk}-status": report.status,
                    f"ms-{pk}-date": report.new_date,
                    f"ms-{pk}-reason": report.reason,
                }
        for row in self.sheet.schemes:
            pk, s, report = row.item.pk, row.item, row.report
            self.fields[f"sc-{pk}-rag"] = forms.ChoiceField(
                label=f"{s.code} {s.name}: delivery",
                choices=rags,
                required=False,
                widget=forms.Select(attrs={"class": "govuk-select"}),
                error_messages={"invalid_choice": "Choose green, amber or red"},
            )
            self.fields[f"sc-{pk}-comment"] = text(f"{s.code}: comment", rows=2)
            if report:
                self.initial |= {f"sc-{pk}-rag": report.rag, f"sc-{pk}-comment": report.comment}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for row in self.sheet.milestones:
            pk, ref = row.item.pk, row.item.reference
            if cleaned.get(f"ms-{pk}-status") == MilestoneReport.Status.SLIPPED:
                self.need(f"ms-{pk}-date", f"{ref}: enter the new date for the slipped milestone")
                self.need(f"ms-{pk}-reason", f"{ref}: say why the milestone slipped")
        return cleaned

    def strict(self) -> None:
        for row in self.sheet.milestones:
            self.need(
                f"ms-{row.item.pk}-status",
                f"{row.item.reference}: choose done, on track or slipped",
            )
        for row in self.sheet.schemes:
            pk = row.item.pk
            self.need(f"sc-{pk}-rag", f"{row.item.code}: choose a delivery rating")
            if self.cleaned_data.get(f"sc-{pk}-rag") in ("amber", "red"):
                self.need(
                    f"sc-{pk}-comment",
                    f"{row.item.code}: say what is behind the amber or red rating",
                )


class NarrativeForm(PartForm):
    part = Part.NARRATIVE

    def build(self) -> None:
        r = self.sheet.plan_return
        self.fields["progress"] = text("Progress this period", rows=6)
        self.fields["challenges"] = text("Challenges", rows=5)
        self.fields["support_needed"] = text(
            "Support needed from the national or regional teams", rows=4
        )
        self.initial = {
            "progress": r.progress,
            "challenges": r.challenges,
            "support_needed": r.support_needed,
        }

    def strict(self) -> None:
        self.need("progress", "Describe the progress made this period")
        self.need("challenges", "Describe the challenges, or say there were none")


class SignOffForm(PartForm):
    part = Part.SIGN_OFF

    def build(self) -> None:
        r = self.sheet.plan_return
        self.fields["signed_by"] = forms.CharField(
            label="Signed off for the Health and Wellbeing Board by", max_length=200, required=False
        )
        self.fields["signed_position"] = forms.CharField(
            label="Their position", max_length=200, required=False
        )
        self.fields["signed_on"] = date_field("Date of sign-off")
        self.initial = {
            "signed_by": r.signed_by,
            "signed_position": r.signed_position,
            "signed_on": r.signed_on,
        }

    def strict(self) -> None:
        self.need("signed_by", "Enter who signed the return off for the board")
        self.need("signed_position", "Enter their position")
        self.need("signed_on", "Enter the date of sign-off")


FORMS: dict[str, type[PartForm]] = {
    form.part: form
    for form in (
        BudgetForm,
        ConditionsForm,
        FinanceForm,
        MetricsForm,
        DeliveryForm,
        NarrativeForm,
        SignOffForm,
    )
}


def form_for(part: str, data: Any, sheet: Any, completing: bool = False) -> PartForm:
    return FORMS[part](data, sheet=sheet, completing=completing)
