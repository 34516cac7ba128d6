"""Saving schemes with their expenditure lines, and the scheme list's totals."""

from django.db import transaction
from django.db.models import Count, Q, Sum

from plans.locking import EditConflict, claim

from .models import Scheme


@transaction.atomic
def save_scheme(form, lines, read_version):
    """Save a scheme and its lines together, or nothing. An existing scheme saves only
    if nobody has saved it since `read_version` was read."""
    scheme = form.instance
    if scheme.pk is not None:
        if not claim(Scheme.objects.filter(pk=scheme.pk), read_version or 0):
            raise EditConflict(Scheme.objects.get(pk=scheme.pk))
        scheme.lock_version = (read_version or 0) + 1
    scheme = form.save()
    lines.instance = scheme
    lines.save()
    return scheme


def schemes_with_totals(plan):
    """The plan's schemes, each annotated with spend per year of the round and in
    all, in one query whatever the number of schemes and lines."""
    years = list(plan.round.years.all())
    per_year = {
        f"spend_{year.start_year}": Sum(
            "expenditure_lines__amount", filter=Q(expenditure_lines__year=year)
        )
        for year in years
    }
    schemes = (
        Scheme.objects.filter(plan=plan)
        .select_related("scheme_type")
        .annotate(
            total=Sum("expenditure_lines__amount"),
            line_count=Count("expenditure_lines"),
            **per_year,
        )
        .order_by("order", "code")
    )
    for scheme in schemes:
        scheme.by_year = [getattr(scheme, f"spend_{y.start_year}") for y in years]
    return years, schemes
