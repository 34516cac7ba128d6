"""`{% plans_to_start user as options %}`: the plans the user's areas could start in
open rounds, for "Your plans" (whose view, on the ground floor, cannot ask this app)."""

from django import template

from rounds import selectors

register = template.Library()


@register.simple_tag
def plans_to_start(user):
    return selectors.plans_to_start(user)
