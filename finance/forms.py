"""The income grid: one amount per funding source and year."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Size
from django import forms

from plans.grid import column_totals
from plans.ui import money_field


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

    def totals(self):
        """[total per year] of what the grid holds now (as typed, if shown again)."""
        return column_totals(fields for _source, fields in self.grid())

    def amounts(self):
        """{(source, year): amount or None} from the cleaned data."""
        return {(s, y): self.cleaned_data.get(name) for name, s, y in self.cells}
