"""Forms for the plan's sections, in the GOV.UK Design System style (crispy-forms-gds).

Every form saves a draft with only type checks; the stricter rules that make a
section complete run when the author says the section is complete (`completing`).
"""

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.layout import ConditionalQuestion, ConditionalRadios, Field, Fieldset, Size
from django import forms
from django.core.validators import MaxLengthValidator

from plans.models import (
    ConditionQuestion,
    HighImpactChangeAssessment,
    Milestone,
    NarrativeAnswer,
    Plan,
    RelatedDocument,
    Risk,
    SignOff,
)
from plans.ui import (
    MAX_TEXT,
    GDSForm,
    text_field,
)


class RealDateField(DateInputField):
    """A GOV.UK date input whose impossible dates (31 February, month 13, a year of
    twenty digits that overflows) are one form error, "Enter a real date"."""

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except (forms.ValidationError, OverflowError) as error:
            raise forms.ValidationError("Enter a real date", code="invalid_date") from error


class PlanDetailsForm(GDSForm, forms.ModelForm):
    date_agreed_at_hwb = RealDateField(
        label="Date agreed at the Health and Wellbeing Board", required=False
    )

    class Meta:
        model = Plan
        fields = ["boundary_differences", "date_agreed_at_hwb"]
        widgets = {"boundary_differences": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "boundary_differences": "Where a CCG's area differs from the council's, say how "
            "the plan deals with it. Leave blank if there are none.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["boundary_differences"].max_length = MAX_TEXT
        self.setup_helper(Field.textarea("boundary_differences"), "date_agreed_at_hwb")

    def clean(self):
        cleaned = super().clean()
        if self.completing:
            self.require("date_agreed_at_hwb")
        return cleaned


class SignOffForm(GDSForm, forms.ModelForm):
    signed_on = RealDateField(label="Date signed", required=False)

    class Meta:
        model = SignOff
        fields = ["signed_by", "position", "signed_on"]
        labels = {"signed_by": "Signed by (full name)", "position": "Position"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper(
            Field.text("signed_by", field_width=20),
            Field.text("position", field_width=20),
            "signed_on",
        )

    def clean(self):
        cleaned = super().clean()
        if self.completing:
            self.require("signed_by", "position", "signed_on")
        return cleaned


class NarrativeAnswerForm(GDSForm, forms.ModelForm):
    class Meta:
        model = NarrativeAnswer
        fields = ["text"]

    def __init__(self, *args, section, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["text"]
        field.label = section.title
        field.help_text = section.prompt
        field.max_length = section.max_characters or MAX_TEXT
        field.validators.append(MaxLengthValidator(field.max_length))
        field.widget.attrs.pop("maxlength", None)  # the count warns; the server refuses
        self.setup_helper(
            Field.textarea(
                "text",
                label_size=Size.LARGE,
                label_tag="h1",
                rows=15,
                max_characters=field.max_length,
            )
        )

    def clean(self):
        cleaned = super().clean()
        if self.completing and not (cleaned.get("text") or "").strip():
            self.add_error("text", "Enter your answer before marking the section complete")
        return cleaned


class RowForm(GDSForm, forms.ModelForm):
    """A row of a list section (risk, milestone, document); blank extra rows are ignored."""

    layout = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper(*self.layout)


class RelatedDocumentForm(RowForm):
    class Meta:
        model = RelatedDocument
        fields = ["reference", "title", "synopsis", "link"]
        labels = {"reference": "Reference", "link": "Link (optional)"}
        widgets = {"synopsis": forms.Textarea(attrs={"rows": 3})}

    layout = (
        Field.text("reference", field_width=10),
        "title",
        Field.textarea("synopsis", rows=3),
        "link",
    )


class RiskForm(RowForm):
    class Meta:
        model = Risk
        fields = ["reference", "description", "likelihood", "impact", "mitigation", "rating"]
        labels = {
            "description": "Risk",
            "likelihood": "Likelihood (1 to 5)",
            "impact": "Impact (1 to 5)",
            "mitigation": "Mitigating actions",
            "rating": "Rating",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "mitigation": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round
        for name in ("likelihood", "impact"):
            self.fields[name] = forms.TypedChoiceField(
                label=self.fields[name].label,
                choices=[("", "Not scored")] + [(n, str(n)) for n in range(1, 6)],
                coerce=int,
                empty_value=None,
                required=False,
            )
        scale = Risk.Rating.choices[:3] if round.risk_scale == "hml" else Risk.Rating.choices[3:]
        self.fields["rating"].choices = [("", "Not rated"), *scale]
        self.fields["reference"].widget.attrs["class"] = "govuk-input govuk-input--width-5"
        layout = [Field.text("reference", field_width=5), "description"]
        if not round.risks_scored:
            del self.fields["likelihood"], self.fields["impact"]
        else:
            layout += [Field.select("likelihood"), Field.select("impact")]
        layout += ["mitigation", Field.select("rating")]
        self.setup_helper(*layout)

    def clean(self):
        cleaned = super().clean()
        if self.completing and self.round.risks_scored and cleaned.get("description"):
            self.require("likelihood", "impact")
        return cleaned


class MilestoneForm(RowForm):
    due_date = RealDateField(label="Due date", required=False)

    class Meta:
        model = Milestone
        fields = ["reference", "action", "description", "due_date", "due_note"]
        labels = {"action": "Milestone", "due_note": "Or when, in words"}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    layout = (
        Field.text("reference", field_width=5),
        "action",
        Field.textarea("description", rows=2),
        "due_date",
        Field.text("due_note", field_width=20),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            self.completing
            and cleaned.get("action")
            and not (cleaned.get("due_date") or cleaned.get("due_note"))
        ):
            self.add_error("due_date", "Enter a due date, or say when in words")
        return cleaned


class HicmForm(RowForm):
    class Meta:
        model = HighImpactChangeAssessment
        fields = ["maturity", "maturity_note", "actions", "due", "success_measures"]
        labels = {"maturity": "Maturity now", "maturity_note": "Note on maturity (optional)"}
        widgets = {
            "actions": forms.Textarea(attrs={"rows": 3}),
            "success_measures": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["maturity"].queryset = round.maturitylevel_set.all()
        self.fields["maturity"].empty_label = "Not assessed"
        self.setup_helper(
            Field.select("maturity"), "maturity_note", "actions", "due", "success_measures"
        )

    def clean(self):
        cleaned = super().clean()
        if self.completing:
            self.require("maturity")
        return cleaned


class ConditionsForm(GDSForm, forms.Form):
    """One field (or a pair) per question of the round's national conditions."""

    def __init__(self, *args, questions, answers, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        groups = {}
        for question in questions:
            layout = groups.setdefault(question.condition, [])
            name = self.field_name(question)
            answer = answers.get(question.pk)
            kind = question.answer_type
            if kind == ConditionQuestion.AnswerType.CONFIRMATION:
                self.fields[name] = forms.ChoiceField(
                    label=question.text,
                    choices=[("yes", "Yes"), ("no", "No, not yet")],
                    widget=forms.RadioSelect,
                    required=False,
                    initial=None
                    if answer is None or answer.confirmed is None
                    else ("yes" if answer.confirmed else "no"),
                )
                self.fields[f"{name}-by"] = RealDateField(
                    label="If not yet, the date it will be in place",
                    required=False,
                    initial=answer.in_place_by if answer else None,
                )
                # The date is asked only of "No, not yet" (a GOV.UK conditional reveal;
                # without JavaScript it is always shown, and clean() ignores it after Yes).
                layout.append(
                    ConditionalRadios(name, "Yes", ConditionalQuestion("No, not yet", f"{name}-by"))
                )
                self.fields[name].first_input_suffix = "_0"  # ConditionalRadios counts from 0
            elif kind == ConditionQuestion.AnswerType.PERCENTAGE:
                self.fields[name] = forms.DecimalField(
                    label=question.text,
                    min_value=0,
                    max_value=100,
                    decimal_places=2,
                    required=False,
                    initial=answer.percentage if answer else None,
                    help_text="A percentage from 0 to 100.",
                )
                layout.append(Field.text(name, field_width=5))
            elif kind == ConditionQuestion.AnswerType.DATE:
                self.fields[name] = RealDateField(
                    label=question.text, required=False, initial=answer.date if answer else None
                )
                layout.append(name)
            else:
                self.fields[name] = text_field(question.text, rows=5)
                self.fields[name].initial = answer.text if answer else ""
                layout.append(Field.textarea(name, rows=5))
        self.setup_helper(
            *(
                Fieldset(
                    *fields,
                    legend=f"Condition {condition.code}: {condition.title}",
                    legend_size=Size.MEDIUM,
                    legend_tag="h2",
                )
                for condition, fields in groups.items()
            )
        )

    @staticmethod
    def field_name(question):
        return f"q-{question.condition.code}-{question.key}"

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            name = self.field_name(question)
            if question.answer_type == ConditionQuestion.AnswerType.CONFIRMATION:
                if cleaned.get(name) == "no" and self.completing and not cleaned.get(f"{name}-by"):
                    self.add_error(f"{name}-by", "Enter the date it will be in place")
                if cleaned.get(name) == "yes":
                    cleaned[f"{name}-by"] = None
            if self.completing and question.required and cleaned.get(name) in (None, ""):
                self.add_error(name, "Answer this question before marking the section complete")
        return cleaned

    def answers(self):
        """{question: field values for ConditionAnswer} from the cleaned data."""
        values = {}
        kinds = ConditionQuestion.AnswerType
        for question in self.questions:
            name = self.field_name(question)
            value = self.cleaned_data.get(name)
            if question.answer_type == kinds.CONFIRMATION:
                confirmed = None if not value else value == "yes"
                values[question] = {
                    "confirmed": confirmed,
                    "in_place_by": self.cleaned_data.get(f"{name}-by"),
                }
            elif question.answer_type == kinds.PERCENTAGE:
                values[question] = {"percentage": value}
            elif question.answer_type == kinds.DATE:
                values[question] = {"date": value}
            else:
                values[question] = {"text": value or ""}
        return values
