"""The one writer of income into the pool: the income page and the Excel importer both
write through `write_income`, which changes only the amounts that differ."""

from collections.abc import Mapping
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from plans.models import FinancialYear, FundingSource, Plan, Section, SectionProgress
from plans.sections.actions import save_page

from .models import IncomeLine

type Amounts = Mapping[tuple[FundingSource, FinancialYear], Decimal | None]


def write_income(*, plan: Plan, amounts: Amounts) -> int:
    """Make the plan's income the given amounts (None removes a line); return how many
    lines changed. Runs inside the caller's transaction."""
    existing = {(i.source_id, i.year_id): i for i in IncomeLine.objects.filter(plan=plan)}
    changed = 0
    for (source, year), amount in amounts.items():
        line = existing.get((source.pk, year.pk))
        if amount is None and line is not None:
            line.delete()
        elif amount is not None and line is None:
            IncomeLine.objects.create(plan=plan, source=source, year=year, amount=amount)
        elif line is not None and line.amount != amount:
            assert amount is not None  # None with a line was deleted above
            line.amount = amount
            line.save(update_fields=["amount"])
        else:
            continue
        changed += 1
    return changed


@transaction.atomic
def save_income(
    *, user: User, plan: Plan, amounts: Amounts, posted_version: object
) -> SectionProgress:
    """Save the income grid, if the user may and nobody saved the finance section
    since the page was read (EditConflict otherwise)."""
    return save_page(
        plan=plan,
        kind=Section.Kind.FINANCE,
        user=user,
        posted_version=posted_version,
        write=lambda: write_income(plan=plan, amounts=amounts),
    )
