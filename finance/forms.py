"""Forms for the pooled budget: income per source and year, and expenditure lines."""

from decimal import Decimal

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.utils.functional import cached_property

from .models import ExpenditureLine

MAX_AMOUNT = Decimal("999999999999.99")


class MoneyFormField(forms.DecimalField):
    """Pounds as people type them: "£1,234,567.89" and "1234567.89" are the same."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removeprefix("£").replace(",", "").replace(" ", "")
        return super().to_python(value)


def money_field(label, required=False):
    return MoneyFormField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "govuk-input govuk-input--width-10"}
        ),
        error_messages={
            "invalid": "Enter an amount in pounds, like 1234567.89",
            "min_value": "Enter an amount of £0 or more",
            "max_value": "Enter an amount under £1 trillion",
            "max_decimal_places": "Enter an amount to the penny, with at most 2 decimal places",
        },
    )


class IncomeForm(forms.Form):
    """One amount per funding source (income parts included) and year of the round."""

    def __init__(self, *args, sources, years, amounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = []
        for source in sources:
            for year in years:
                name = self.field_name(source, year)
                self.fields[name] = money_field(f"{source.name}, {year.label}")
                self.fields[name].initial = amounts.get((source.pk, year.pk))
                self.cells.append((name, source, year))
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.label_size = Size.SMALL

    @staticmethod
    def field_name(source, year):
        return f"income-{source.code}-{year.start_year}"

    def grid(self):
        """[(source, [bound field per year])] for a table of inputs."""
        rows = {}
        for name, source, _year in self.cells:
            rows.setdefault(source, []).append(self[name])
        return list(rows.items())

    def amounts(self):
        """{(source, year): amount or None} from the cleaned data."""
        return {(s, y): self.cleaned_data.get(name) for name, s, y in self.cells}


class ListedChoiceField(forms.ChoiceField):
    """A choice of one of the round's list items, read once per page or upload, so
    validating a thousand lines needs no query per line."""

    def __init__(self, *, instances, **kwargs):
        super().__init__(**kwargs)
        self.instances = instances

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if value not in self.instances:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return self.instances[value]

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value):
        return getattr(value, "pk", value)


class ExpenditureLineForm(forms.ModelForm):
    amount = money_field("Amount (£)")

    class Meta:
        model = ExpenditureLine
        fields = [
            "source",
            "year",
            "amount",
            "area_of_spend",
            "commissioner",
            "nhs_share",
            "la_share",
            "provider_type",
            "provider",
            "recurrence",
        ]
        labels = {
            "source": "Funding source",
            "area_of_spend": "Area of spend",
            "nhs_share": "% NHS (joint only)",
            "la_share": "% LA (joint only)",
            "provider_type": "Provider type",
        }

    LISTS = ("source", "year", "area_of_spend", "commissioner", "provider_type")

    def __init__(self, *args, round, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if choices is None:
            self.fields["source"].queryset = round.funding_sources.filter(parent__isnull=True)
            self.fields["year"].queryset = round.years.all()
            self.fields["area_of_spend"].queryset = round.areaofspend_set.all()
            self.fields["commissioner"].queryset = round.commissionertype_set.all()
            self.fields["provider_type"].queryset = round.providertype_set.all()
        for name, (listed, instances) in (choices or {}).items():
            model_field = self.fields[name]
            self.fields[name] = ListedChoiceField(
                choices=listed,
                instances=instances,
                required=model_field.required,
                label=model_field.label,
                help_text=model_field.help_text,
            )
        for name in ("nhs_share", "la_share"):
            self.fields[name].widget.attrs["class"] = "govuk-input govuk-input--width-3"

    @cached_property
    def helper(self):
        """Built only when the form is rendered, not for every line of an upload."""
        helper = FormHelper(self)
        helper.form_tag = False
        helper.disable_csrf = True
        helper.label_size = Size.SMALL
        helper.layout = Layout(
            Field.select("source"),
            Field.select("year"),
            "amount",
            Field.select("area_of_spend"),
            Field.select("commissioner"),
            "nhs_share",
            "la_share",
            Field.select("provider_type"),
            Field.text("provider", field_width=20),
            Field.select("recurrence"),
        )
        return helper

    def _get_validation_exclusions(self):
        # Listed choices were matched against the round's lists already; checking each
        # foreign key again would cost a query per field per line.
        exclude = super()._get_validation_exclusions()
        return exclude | {n for n in self.LISTS if isinstance(self.fields[n], ListedChoiceField)}

    def validate_constraints(self):
        """The database constraints (amount not negative, joint shares total 100) are
        checked in clean() without a query per line, and enforced again by the
        database on save."""

    @classmethod
    def list_choices(cls, round):
        """The round's drop-down lists, read once and shared by every line's form:
        {field: (choices, {pk as text: instance})}."""
        form = cls(round=round)
        lists = {}
        for name in cls.LISTS:
            instances = {str(item.pk): item for item in form.fields[name].queryset}
            choices = [("", "---------")] + [(pk, str(item)) for pk, item in instances.items()]
            lists[name] = (choices, instances)
        return lists

    def clean(self):
        cleaned = super().clean()
        commissioner = cleaned.get("commissioner")
        nhs, la = cleaned.get("nhs_share"), cleaned.get("la_share")
        if commissioner is not None and commissioner.is_joint:
            if nhs is None and la is None:
                self.add_error(
                    "nhs_share", "Enter the NHS and LA shares of a jointly commissioned line"
                )
            elif nhs is None or la is None or nhs + la != 100:
                self.add_error("nhs_share", "The NHS and LA shares must add up to 100%")
        elif nhs is not None or la is not None:
            self.add_error("nhs_share", "Only a jointly commissioned line has NHS and LA shares")
        return cleaned
