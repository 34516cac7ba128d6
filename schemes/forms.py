from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.forms import inlineformset_factory

from finance.forms import ExpenditureLineForm
from finance.models import ExpenditureLine

from .models import Scheme


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
            "metrics",
        ]
        labels = {
            "code": "Scheme ID",
            "scheme_type": "Scheme type",
            "scheme_type_other": "If other, the type of scheme",
            "lead_commissioner": "Lead commissioner",
            "lead_provider": "Lead provider",
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
        return cleaned


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
