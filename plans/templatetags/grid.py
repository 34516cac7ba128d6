"""Cells of a grid (plans.grid): each input drawn with its GOV.UK class, its error
state and the description of its error."""

from django import forms, template

register = template.Library()

CLASSES = (
    (forms.Select, "govuk-select"),
    (forms.Textarea, "govuk-textarea"),
    (forms.CheckboxInput, "govuk-checkboxes__input"),
)


@register.simple_tag
def grid_input(cell):
    return render_input(cell.field, cell.column.width)


@register.simple_tag
def cell_input(bound, disabled=False):
    """A form's field drawn bare for a table cell (the income grid)."""
    return render_input(bound, "", disabled=disabled)


def render_input(bound, width, disabled=False):
    widget = bound.field.widget
    if isinstance(widget, forms.MultiWidget):  # a GOV.UK date input: its own classes
        return bound.as_widget()
    base = next((name for kind, name in CLASSES if isinstance(widget, kind)), "")
    if not base:
        own = widget.attrs.get("class", "govuk-input")
        base = " ".join(part for part in own.split() if "--width-" not in part)
        base += " " + (width or _width(own))
    elif width:
        base += " " + width
    attrs = {"class": base.strip() + _error_class(base, bound)}
    if disabled:
        attrs["disabled"] = True
    if bound.errors:
        attrs["aria-describedby"] = f"{bound.auto_id}-error"
    if isinstance(widget, forms.Textarea):
        attrs["rows"] = widget.attrs.get("rows", 2)
    return bound.as_widget(attrs=attrs)


def _width(classes):
    return next((part for part in classes.split() if "--width-" in part), "")


def _error_class(base, bound):
    if not bound.errors:
        return ""
    kind = base.split()[0]
    return f" {kind}--error" if kind in ("govuk-input", "govuk-select", "govuk-textarea") else ""


@register.filter
def is_date(cell):
    return cell.field is not None and isinstance(cell.field.field.widget, forms.MultiWidget)
