import re

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.forms import inlineformset_factory
from django.utils.functional import cached_property

from plans.grid import EMPTY_CHOICE, Column, Grid, one_empty_choice
from plans.ui import ListedChoiceField, money_field

from .models import ExpenditureLine, Scheme
from .selectors import LINE_FIELDS

# A scheme ID is part of its page's address (schemes/<ID>/): characters that break a
# URL ("/", "?", "#", "%", spaces, control characters) are refused wherever IDs come
# in, on the scheme page and in an uploaded template.
SCHEME_ID_PATTERN = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,29}\Z")
SCHEME_ID_MESSAGE = "Use letters, numbers, dots, dashes or underscores only, for example BD1 or H3"


def scheme_id_problem(code: str) -> str | None:
    """Why `code` cannot be a scheme ID, or None if it can."""
    return None if SCHEME_ID_PATTERN.match(code) else SCHEME_ID_MESSAGE


def validate_scheme_id(code: str) -> None:
    problem = scheme_id_problem(code)
    if problem:
        raise forms.ValidationError(problem, code="invalid_scheme_id")


def joint_lead_problem(lead: str, joint: str) -> str | None:
    """Why a scheme's joint lead provider cannot stand, or None: the scheme page and
    the template importer apply the same rule."""
    if joint and not lead:
        return "Enter the lead provider before the provider leading it jointly"
    if joint and joint.casefold() == lead.casefold():
        return "A joint lead provider is another provider than the lead provider"
    return None


class SchemeForm(forms.ModelForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    class Meta:
        model = Scheme
        fields = [
            "code",
            "name",
            "theme",
            "scheme_type",
            "scheme_type_other",
            "description",
            "objectives",
            "lead_commissioner",
            "lead_provider",
            "joint_lead_provider",
            "metrics",
        ]
        labels = {
            "code": "Scheme ID",
            "scheme_type": "Scheme type",
            "scheme_type_other": "If other, the type of scheme",
            "lead_commissioner": "Lead commissioner",
            "lead_provider": "Lead provider",
            "joint_lead_provider": "Joint lead provider (if two providers lead it jointly)",
            "metrics": "Metrics the scheme contributes to",
        }
        help_texts = {"code": "Unique in this plan, for example BD1 or H3."}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "objectives": forms.Textarea(attrs={"rows": 4}),
            "metrics": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        round_ = plan.round
        self.fields["scheme_type"].queryset = round_.schemetype_set.all()
        self.fields["lead_commissioner"].queryset = round_.commissionertype_set.all()
        self.fields["metrics"].queryset = round_.metrics.all()
        self.fields["lock_version"].initial = self.instance.lock_version
        self.fields["code"].validators.append(validate_scheme_id)
        one_empty_choice(self)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.label_size = Size.SMALL
        self.helper.layout = Layout(
            "lock_version",
            Field.text("code", field_width=10),
            "name",
            "theme",
            Field.select("scheme_type"),
            "scheme_type_other",
            "description",
            "objectives",
            Field.select("lead_commissioner"),
            "lead_provider",
            "joint_lead_provider",
            Field.checkboxes("metrics", small=True),
        )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        taken = Scheme.objects.filter(plan=self.plan, code__iexact=code).exclude(
            pk=self.instance.pk
        )
        if taken.exists():
            raise forms.ValidationError(f"Scheme ID {code} is already used in this plan")
        return code

    def clean(self):
        cleaned = super().clean()
        scheme_type = cleaned.get("scheme_type")
        if (
            scheme_type is not None
            and scheme_type.is_other
            and not cleaned.get("scheme_type_other")
        ):
            self.add_error("scheme_type_other", "Say what type of scheme this is")
        if scheme_type is not None and not scheme_type.is_other:
            cleaned["scheme_type_other"] = ""
        problem = joint_lead_problem(
            cleaned.get("lead_provider") or "", cleaned.get("joint_lead_provider") or ""
        )
        if problem:
            self.add_error("joint_lead_provider", problem)
        return cleaned


class ExpenditureLineForm(forms.ModelForm):
    amount = money_field("Amount (£)", required=True)

    class Meta:
        model = ExpenditureLine
        fields = list(LINE_FIELDS)
        labels = {
            "source": "Funding source",
            "area_of_spend": "Area of spend",
            "nhs_share": "% NHS",
            "la_share": "% LA",
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
    def list_choices(cls, round, known=None):
        """The round's drop-down lists, read once and shared by every line's form:
        {field: (choices, {pk as text: instance})}. `known` gives lists the caller has
        read already ({field: instances in the list's order}), so they are not read again."""
        form = cls(round=round)
        known = known or {}
        lists = {}
        for name in cls.LISTS:
            listed = known[name] if name in known else form.fields[name].queryset
            instances = {str(item.pk): item for item in listed}
            choices = [("", EMPTY_CHOICE)] + [(pk, str(item)) for pk, item in instances.items()]
            lists[name] = (choices, instances)
        return lists

    def clean(self):
        cleaned = super().clean()
        problem = joint_share_problem(
            cleaned.get("commissioner"), cleaned.get("nhs_share"), cleaned.get("la_share")
        )
        if problem:
            self.add_error("nhs_share", problem)
        return cleaned


def joint_share_problem(commissioner, nhs, la):
    """Why a line's % NHS and % LA cannot stand with its commissioner, or None: the one
    rule the scheme page and the template importer both apply (on the nhs_share cell)."""
    if commissioner is not None and commissioner.is_joint:
        if nhs is None and la is None:
            return "Enter the NHS and LA shares of a jointly commissioned line"
        if nhs is None or la is None or nhs + la != 100:
            return "The NHS and LA shares must add up to 100%"
        if not (0 <= nhs <= 100 and 0 <= la <= 100):
            return "Enter shares between 0% and 100%"
    elif nhs is not None or la is not None:
        return "Only a jointly commissioned line has NHS and LA shares"
    return None


# A scheme has a line per source and year, a handful in practice; the cap keeps a
# hostile TOTAL_FORMS from making the server build thousands of forms.
MAX_LINES_PER_SCHEME = 100

ExpenditureLineFormSet = inlineformset_factory(
    Scheme,
    ExpenditureLine,
    form=ExpenditureLineForm,
    extra=3,
    can_delete=True,
    max_num=MAX_LINES_PER_SCHEME,
    absolute_max=MAX_LINES_PER_SCHEME,
    validate_max=True,
)


def lines_grid(lines, *, choices, can_edit):
    """The scheme's expenditure lines as a grid: a row per line; the NHS and LA
    shares are asked only of a jointly commissioned line."""
    joint = tuple(pk for pk, item in choices["commissioner"][1].items() if item.is_joint)
    only_joint = ("commissioner", joint)
    return Grid(
        lines,
        [
            Column("source"),
            Column("year"),
            Column("amount", label="Amount", total=True, width="govuk-input--width-10"),
            Column("area_of_spend"),
            Column("commissioner"),
            Column("nhs_share", width="govuk-input--width-3", shown_when=only_joint),
            Column("la_share", width="govuk-input--width-3", shown_when=only_joint),
            Column("provider_type"),
            Column("provider", width="govuk-input--width-10"),
            Column("recurrence"),
        ],
        caption="Expenditure lines",
        row_label="Line",
        can_edit=can_edit,
        group_by="year",
        add_label="Add another line",
    )
