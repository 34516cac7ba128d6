"""Apply a validated template to a plan: all of it in one transaction, or nothing.
Parts that are already identical are not written, so uploading the same file twice
changes nothing (and adds no history)."""

from collections import Counter

from django.db import transaction
from django.db.models import F
from simple_history.utils import bulk_create_with_history

from finance.forms import ExpenditureLineForm
from finance.models import ExpenditureLine, IncomeLine
from plans.models import Section, SectionProgress
from schemes.models import Scheme

# The fields of a line are the form's: what is validated is what is compared and written.
LINE_FIELDS = tuple(ExpenditureLineForm.Meta.fields)


def _pk(value):
    return getattr(value, "pk", value)


def _line_key(code, data):
    return (code, *(_pk(data.get(n)) if n != "amount" else data[n] for n in LINE_FIELDS))


def current_lines(plan):
    rows = ExpenditureLine.objects.filter(scheme__plan=plan).values_list(
        "scheme__code",
        *[
            f"{n}_id"
            if n in ("source", "year", "area_of_spend", "commissioner", "provider_type")
            else n
            for n in LINE_FIELDS
        ],
    )
    return Counter(tuple(row) for row in rows)


def _apply_income(plan, form):
    changed = 0
    existing = {(i.source_id, i.year_id): i for i in IncomeLine.objects.filter(plan=plan)}
    for (source, year), amount in form.amounts().items():
        line = existing.get((source.pk, year.pk))
        if amount is None and line is not None:
            line.delete()
            changed += 1
        elif amount is not None and line is None:
            IncomeLine.objects.create(plan=plan, source=source, year=year, amount=amount)
            changed += 1
        elif line is not None and line.amount != amount:
            line.amount = amount
            line.save(update_fields=["amount"])
            changed += 1
    return changed


def _apply_schemes(plan, schemes):
    changed = 0
    existing = {s.code: s for s in Scheme.objects.filter(plan=plan)}
    for order, (code, attrs) in enumerate(schemes.items()):
        scheme = existing.get(code)
        wanted = {
            "name": attrs["name"],
            "theme": attrs["theme"],
            "scheme_type": attrs["scheme_type"],
        }
        if scheme is None:
            Scheme.objects.create(plan=plan, code=code, order=order, **wanted)
            changed += 1
        elif any(getattr(scheme, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(scheme, key, value)
            scheme.lock_version = F("lock_version") + 1
            scheme.save()
            changed += 1
    for code, scheme in existing.items():
        if code not in schemes:
            scheme.delete()
            changed += 1
    return changed


def _apply_lines(plan, lines):
    wanted = Counter(_line_key(code, data) for code, data in lines)
    if wanted == current_lines(plan):
        return 0
    ExpenditureLine.objects.filter(scheme__plan=plan).delete()
    schemes = {s.code: s for s in Scheme.objects.filter(plan=plan)}
    bulk_create_with_history(
        [
            ExpenditureLine(scheme=schemes[code], **{n: data.get(n) for n in LINE_FIELDS})
            for code, data in lines
        ],
        ExpenditureLine,
    )
    return len(lines)


def _metric_state(table):
    return [
        (r.period.pk, r.value, r.numerator, r.denominator, tuple(r.components))
        for r in (table.plan.rows if table.plan else [])
        if r.value is not None or r.numerator is not None
    ]


def _apply_metrics(plan, metrics):
    from metrics.writes import write_metric

    changed = 0
    for table, form in metrics:
        planned = form.planned()
        wanted = sorted(
            (
                period.pk,
                value,
                numerator,
                denominator,
                tuple(parts.get(c.code) for c in table.components),
            )
            for period, (value, numerator, denominator, parts) in planned.items()
        )
        if wanted != sorted(_metric_state(table)):
            write_metric(plan, table, form)
            changed += 1
    return changed


@transaction.atomic
def apply_template(plan, parsed):
    """Write the parsed template; return how many things changed (0: identical)."""
    changed = _apply_income(plan, parsed.income)
    changed += _apply_schemes(plan, parsed.schemes)
    changed += _apply_lines(plan, parsed.lines)
    changed += _apply_metrics(plan, parsed.metrics)
    if changed:
        # Anyone with a finance or metrics page open must reload before saving over this.
        SectionProgress.objects.filter(
            plan=plan,
            section__kind__in=(Section.Kind.FINANCE, Section.Kind.METRICS, Section.Kind.SCHEMES),
        ).update(lock_version=F("lock_version") + 1)
    return changed
