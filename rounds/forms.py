"""The rounds pages' forms: they parse what was posted; the actions decide."""

from crispy_forms_gds.layout import Field, Size
from django import forms

from plans.models import Area, AssuranceStage, Region, Round, RoundDeadline
from plans.sections.forms import RealDateField
from plans.ui import GDSForm

from .actions import TITLE_MAX, DeadlineValues
from .allocations import MAX_BYTES

HAS_PLAN = [("", "All areas"), ("yes", "With a plan"), ("no", "Without a plan")]


class AreaFilterForm(forms.Form):
    """The round page's filters (GET): a region, and with or without a plan."""

    region = forms.ChoiceField(label="Region", required=False)
    plan = forms.ChoiceField(label="Plan", required=False, choices=HAS_PLAN)

    def __init__(self, *args, regions: list[Region], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "All regions")] + [(r.slug, r.name) for r in regions]

    def values(self) -> dict[str, str]:
        if not self.is_valid():
            return {"region": "", "has_plan": ""}
        return {"region": self.cleaned_data["region"], "has_plan": self.cleaned_data["plan"]}


class StartPlansForm(forms.Form):
    """Start plans for the areas chosen on the round page, for every area without
    one, or one joint plan for the chosen areas."""

    CHOSEN, MISSING, JOINT = "chosen", "missing", "joint"

    action = forms.ChoiceField(
        choices=[(CHOSEN, "Chosen areas"), (MISSING, "Every area without a plan"), (JOINT, "Joint")]
    )
    areas = forms.ModelMultipleChoiceField(
        queryset=Area.objects.all(),
        to_field_name="slug",
        required=False,
        error_messages={"invalid_choice": "One of the chosen areas does not exist"},
    )
    title = forms.CharField(label="Title of the joint plan", required=False, max_length=TITLE_MAX)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in (self.CHOSEN, self.JOINT) and not data.get("areas"):
            self.add_error("areas", "Choose the areas to start plans for")
        if action == self.JOINT:
            if len(data.get("areas") or []) == 1:
                self.add_error("areas", "Choose at least two areas for a joint plan")
            if not (data.get("title") or "").strip():
                self.add_error("title", "Enter the joint plan's title")
        return data


class DeadlineForm(GDSForm, forms.Form):
    """One date of the round's calendar."""

    label = forms.CharField(
        label="Name",
        max_length=RoundDeadline._meta.get_field("label").max_length,
        error_messages={"required": "Enter the date's name"},
    )
    due = RealDateField(label="Date")
    remind_days_before = forms.IntegerField(
        label="Send reminders this many days before",
        min_value=0,
        max_value=365,
        error_messages={
            "required": "Enter how many days before to send reminders (0 for none before)",
            "invalid": "Enter a whole number of days",
            "min_value": "Enter 0 or more days",
            "max_value": "Enter 365 days or fewer",
        },
    )

    def __init__(self, *args, legend: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.legend = legend
        self.setup_helper(
            Field.text("label", field_width=30),
            "due",
            Field.text("remind_days_before", field_width=3),
        )

    def values(self) -> DeadlineValues:
        data = self.cleaned_data
        return DeadlineValues(data["label"], data["due"], data["remind_days_before"])


class NewDeadlineForm(DeadlineForm):
    """A date to add to the calendar: left blank, nothing is added."""

    kind = forms.ChoiceField(label="Kind of date", required=False)
    stage = forms.ModelChoiceField(
        label="Assurance stage",
        queryset=AssuranceStage.objects.none(),
        required=False,
        empty_label="Not an assurance stage",
        help_text="Only for an assurance stage deadline.",
    )

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("label", "due", "remind_days_before"):
            self.fields[name].required = False
        self.fields["kind"].choices = RoundDeadline.Kind.choices
        self.fields["stage"].queryset = round_.stages.order_by("order")
        self.setup_helper(
            Field.text("label", field_width=30),
            Field.select("kind"),
            Field.select("stage"),
            "due",
            Field.text("remind_days_before", field_width=3),
        )
        self.helper.legend_size = Size.SMALL

    @property
    def blank(self) -> bool:
        return self.is_bound and not any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("label", "due_0", "due_1", "due_2")
        )

    def clean(self):
        data = super().clean()
        if self.blank:
            return data
        if not (data.get("label") or "").strip():
            self.add_error("label", "Enter the new date's name")
        if data.get("due") is None and "due" not in self.errors:
            self.add_error("due", "Enter the new date")
        if data.get("remind_days_before") is None and "remind_days_before" not in self.errors:
            data["remind_days_before"] = 7
        if not data.get("kind"):
            self.add_error("kind", "Choose what kind of date it is")
        elif data["kind"] == RoundDeadline.Kind.ASSURANCE and data.get("stage") is None:
            self.add_error("stage", "Choose the assurance stage the deadline is for")
        return data

    def values(self) -> DeadlineValues:
        data = self.cleaned_data
        return DeadlineValues(
            data["label"],
            data["due"],
            data["remind_days_before"],
            kind=data["kind"],
            stage=data.get("stage"),
        )


class StartOwnPlanForm(forms.Form):
    EMPTY, PREVIOUS = "empty", "previous"

    start = forms.ChoiceField(
        label="How do you want to start?",
        choices=[(EMPTY, "Start empty"), (PREVIOUS, "Start from your earlier plan")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how to start the plan"},
    )


class AllocationUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a file of minimums",
        help_text=f"CSV or Excel workbook (.xlsx), up to {MAX_BYTES // 1_048_576} MB, with "
        "the columns HWB, Kind, Year and Amount.",
        error_messages={
            "required": "Choose the file of minimums to upload",
            "empty": "The file is empty",
        },
    )
