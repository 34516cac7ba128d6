from django import template
from django.utils.html import format_html

register = template.Library()

RAG = {"green": "govuk-tag--green", "amber": "govuk-tag--yellow", "red": "govuk-tag--red"}


@register.filter
def field(form, name):
    """The bound field `name` of a form (names hold the rows' keys)."""
    return form[name] if name in form.fields else ""


@register.filter
def rag(value):
    if not value:
        return "—"
    return format_html('<strong class="govuk-tag {}">{}</strong>', RAG[value], value.title())


@register.filter
def signed(value, places=1):
    """A variance with its sign, and a real minus sign (U+2212) below zero."""
    if value is None:
        return "—"
    text = f"{abs(value):,.{int(places)}f}"
    return f"+{text}" if value > 0 else (f"\u2212{text}" if value < 0 else text)


@register.filter
def percent(value):
    return "—" if value is None else f"{value * 100:.0f}%"
