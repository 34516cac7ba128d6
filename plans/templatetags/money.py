"""Money as the service shows it: £1,234,567 (pence only when there are any), or
£'000 rounded half away from zero as the seeds and the Excel template print it."""

from decimal import Decimal

from django import template

from plans.fields import in_thousands
from plans.findings import money

register = template.Library()


@register.filter
def pounds(amount):
    if amount in (None, ""):
        return "—"
    return money(Decimal(amount))


@register.filter
def thousands(amount):
    if amount in (None, ""):
        return "—"
    return f"{in_thousands(Decimal(amount)):,}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
