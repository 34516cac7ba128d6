"""The UI kit's error summary for forms rendered by Django's own views (password
reset): `{% with errors=form|form_errors %}{% include "includes/error_summary.html" %}`."""

from django import template

from plans.ui import error_summary

register = template.Library()


@register.filter
def form_errors(form):
    return error_summary(form) if form is not None and form.is_bound else []
