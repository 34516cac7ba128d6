"""The write half of an import (workbook.importer.import_parsed), given what the reader
parsed: the plan's lines read once, what changed said from what is already held (the
same as totals() read back from the database), history rows right, queries fixed."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.tests.helpers import plan
from schemes.models import ExpenditureLine, Scheme
from schemes.selectors import LINE_FIELDS
from workbook import fingerprints
from workbook.importer import held_totals, import_parsed, totals
from workbook.reader import Parsed

pytestmark = pytest.mark.django_db
SCHEME_FIELDS = ("name", "theme", "scheme_type", "lead_provider", "joint_lead_provider")


def parsed_from(the_plan, change=lambda n, values: values):
    """What the reader would give for the plan as it is, each line through `change`."""
    parsed = Parsed()
    for scheme in Scheme.objects.filter(plan=the_plan).order_by("order", "pk"):
        parsed.schemes[scheme.code] = {
            name: getattr(scheme, name) for name in SCHEME_FIELDS if hasattr(scheme, name)
        }
    lines = ExpenditureLine.objects.filter(scheme__plan=the_plan).select_related(
        "scheme", "source", "year", "area_of_spend", "commissioner", "provider_type"
    )
    for n, line in enumerate(lines.order_by("pk")):
        values = {name: getattr(line, name) for name in LINE_FIELDS}
        parsed.lines.append((line.scheme.code, change(n, values)))
    return parsed


def finance_user():
    return get_user_model().objects.get(username="bhr.finance")


def test_totals_from_what_is_held_are_the_totals_in_the_database():
    havering = plan("2017-19", "havering")
    held = held_totals(fingerprints.held_income(havering), fingerprints.held_lines(havering))
    assert held == totals(havering)
    assert any(key[0] == "Income" for key in held) and len(held) > 10


def test_an_import_changing_every_line_says_so_and_writes_history():
    havering = plan("2017-19", "havering")
    lines = ExpenditureLine.objects.filter(scheme__plan=havering)
    before = {line.pk: line.amount for line in lines}
    history = ExpenditureLine.history.count()

    def raise_by_a_pound(n, values):
        return values | {"amount": values["amount"] + 1}

    imported = import_parsed(havering, parsed_from(havering, raise_by_a_pound), finance_user())
    assert not imported.conflicts and imported.changes == len(before)
    after = {line.pk: line.amount for line in lines.all()}
    assert after.keys() == before.keys()  # changed in place
    assert all(after[pk] == before[pk] + 1 for pk in before)
    assert ExpenditureLine.history.count() == history + len(before)
    rows = ExpenditureLine.history.filter(id__in=before).order_by("-history_id")[: len(before)]
    assert {(r.id, r.amount, r.history_type, r.history_user.username) for r in rows} == {
        (pk, amount, "~", "bhr.finance") for pk, amount in after.items()
    }
    # what it says it changed is what the database now holds
    now = totals(havering)
    for change in imported.change_list:
        key, figures = change.split(": ", 1)
        assert figures.endswith(fingerprints_money(now, key))


def fingerprints_money(now, label):
    from plans.findings import money

    [amount] = [v for k, v in now.items() if " ".join(k) == label]
    return money(amount)


def test_an_identical_import_changes_nothing_and_adds_no_history():
    havering = plan("2017-19", "havering")
    history = ExpenditureLine.history.count()
    imported = import_parsed(havering, parsed_from(havering), finance_user())
    assert (imported.changes, imported.change_list) == (0, [])
    assert ExpenditureLine.history.count() == history


def test_a_removed_line_and_a_new_one_are_said_and_kept_in_history():
    havering = plan("2017-19", "havering")
    parsed = parsed_from(havering)
    code, gone = parsed.lines.pop(0)
    parsed.lines.append((code, gone | {"amount": Decimal("12345.67"), "provider": "New"}))
    parsed.lines.append((code, gone | {"amount": Decimal("1.00"), "provider": "Another"}))
    imported = import_parsed(havering, parsed, finance_user())
    assert imported.changes >= 1
    assert held_totals(
        fingerprints.held_income(havering), fingerprints.held_lines(havering)
    ) == totals(havering)
    new = ExpenditureLine.objects.get(scheme__plan=havering, provider="Another")
    assert ExpenditureLine.history.filter(id=new.pk, history_type="+").exists()


def queries_for(area):
    the_plan = plan("2017-19", area)
    parsed = parsed_from(the_plan, lambda n, values: values | {"amount": values["amount"] + 1})
    with CaptureQueriesContext(connection) as queries:
        import_parsed(the_plan, parsed, finance_user())
    return len(queries)


def test_queries_do_not_grow_with_the_number_of_lines_or_schemes():
    """(Comparing each scheme's type with the file's once read the type, a query per
    scheme.)"""
    lines = {
        area: ExpenditureLine.objects.filter(scheme__plan=plan("2017-19", area)).count()
        for area in ("havering", "redbridge")
    }
    assert lines["havering"] != lines["redbridge"]
    assert queries_for("havering") == queries_for("redbridge")
