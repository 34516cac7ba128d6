"""The shared UI kit every app's pages use: GOV.UK error summaries, the completion
question, money inputs and choice fields that read the round's lists once."""

from decimal import Decimal

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from plans.locking import EditConflict

MAX_TEXT = 50_000
MAX_AMOUNT = Decimal("999999999999.99")


class MoneyInput(forms.TextInput):
    """Shows a stored amount as people read it, £1,234,567 (pence only when there are
    any); what someone typed is shown back as typed."""

    def format_value(self, value):
        if isinstance(value, Decimal):
            return f"£{value:,.0f}" if value == value.to_integral() else f"£{value:,.2f}"
        return super().format_value(value)


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
        widget=MoneyInput(
            attrs={
                "inputmode": "decimal",
                "class": "govuk-input govuk-input--width-10",
                "data-money": "",
                "spellcheck": "false",
            }
        ),
        error_messages={
            "required": "Enter an amount in pounds; to drop a line, tick its remove box",
            "invalid": "Enter an amount in pounds, like 1234567.89",
            "min_value": "Enter an amount of £0 or more",
            "max_value": "Enter an amount under £1 trillion",
            "max_decimal_places": "Enter an amount to the penny, with at most 2 decimal places",
        },
    )


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


def first_input_suffix(field):
    """GOV.UK date inputs and radios have no element with the field's own id: the
    error summary links to their first input instead."""
    own = getattr(field, "first_input_suffix", None)  # radios drawn by another layout
    if own is not None:
        return own
    if isinstance(field, DateInputField):
        return "_0"
    if field is not None and isinstance(field.widget, forms.RadioSelect):
        return "_1"
    return ""


def error_summary(form, prefix="", fallback=""):
    """[(anchor, message)] of a form's errors for the GOV.UK error summary, in field
    order; errors not about one field link to `fallback`."""
    found = []
    for name, problems in form.errors.items():
        field = form.fields.get(name)
        anchor = form[name].auto_id + first_input_suffix(field) if field else fallback
        found += [(anchor, f"{prefix}{message}") for message in problems]
    return found


class GDSForm:
    """Mixin: a crispy helper that renders fields only (the page owns the <form>)."""

    completing = False

    def setup_helper(self, *layout):
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.SMALL
        if layout:
            self.helper.layout = Layout(*layout)

    def require(self, *names):
        for name in names:
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                label = self.fields[name].label or name
                self.add_error(name, f"Enter {label[0].lower() + label[1:]}")


def text_field(label, *, required=False, max_length=MAX_TEXT, rows=None, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=widget, help_text=help_text
    )


class CompletionForm(forms.Form):
    """The version the author read, and whether they say the section is complete."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    completed = forms.TypedChoiceField(
        label="Have you completed this section?",
        choices=[("yes", "Yes, I've completed this section"), ("no", "No, I'll come back to it")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you have completed this section"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "lock_version", Field.radios("completed", legend_size=Size.MEDIUM, inline=True)
        )

    @classmethod
    def for_progress(cls, progress):
        """Unbound, carrying the section's current version and completion."""
        return cls(
            initial={
                "lock_version": progress.lock_version if progress else 0,
                "completed": "yes" if progress and progress.completed else None,
            }
        )


def save_and_respond(
    request,
    *,
    template,
    context,
    valid,
    save,
    done,
    errors,
    on_conflict,
):
    """The end of every page that saves part of a plan, written once: if the input is
    `valid`, `save()`; on success show `done` = (message, url); on a lost update
    (EditConflict) render the page again with `on_conflict(conflict)` added, status
    409, keeping what the user typed; on invalid input render `errors()`, status 400."""
    if valid:
        try:
            save()
        except EditConflict as conflict:
            return render(request, template, context | on_conflict(conflict), status=409)
        message, url = done
        messages.success(request, message)
        return redirect(url)
    return render(request, template, context | {"errors": errors()}, status=400)


def page_conflict(conflict):
    """What a page saved under its section's version shows when the save lost: who
    saved, when, and the new version to save over it deliberately."""
    return {"conflict": conflict.current, "version": conflict.current.lock_version}
