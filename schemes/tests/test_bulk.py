"""Bulk writes of expenditure lines (schemes/bulk.py): one statement per batch, and the
history rows simple_history would write, whichever path (UPDATE … FROM VALUES or the
fallback) and however the lines fall into batches."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.tests.helpers import plan
from schemes import bulk
from schemes.actions import write_lines
from schemes.models import ExpenditureLine, Scheme
from schemes.selectors import LINE_FIELDS

pytestmark = pytest.mark.django_db

TRACKED = [f.attname for f in ExpenditureLine.history.model.tracked_fields]


def havering_lines():
    return list(ExpenditureLine.objects.filter(scheme__plan=plan("2017-19", "havering")))


def finance_user():
    return get_user_model().objects.get(username="bhr.finance")


def latest_history(line):
    return ExpenditureLine.history.filter(id=line.pk).order_by("-history_id").first()


def as_tracked(row):
    return {name: getattr(row, name) for name in TRACKED}


@pytest.mark.parametrize("update_from", [True, False], ids=["values", "fallback"])
def test_changed_amounts_and_texts_are_saved_with_a_history_row_each(monkeypatch, update_from):
    if not update_from:
        monkeypatch.setattr(bulk, "_can_update_from", lambda: False)
    monkeypatch.setattr(bulk, "BATCH", 3)  # several batches, and one part-filled
    lines = havering_lines()
    assert len(lines) > 7, "the BHR seed gives Havering more lines than two batches"
    changed = lines[:7]
    untouched = {line.pk: line.amount for line in lines[7:]}
    history = ExpenditureLine.history.count()
    for n, line in enumerate(changed):
        line.amount += Decimal("0.01") * (n + 1)
        line.provider = "O'Brien & Co'); DROP TABLE finance_expenditureline; --"
    bulk.update_with_history(
        [(line, ("amount", "provider")) for line in changed], user=finance_user()
    )
    stored = {line.pk: line for line in havering_lines()}
    for line in changed:
        assert stored[line.pk].amount == line.amount
        assert stored[line.pk].provider == line.provider  # text stays text
        row = latest_history(line)
        assert (row.history_type, row.history_user.username) == ("~", "bhr.finance")
        assert as_tracked(row) == as_tracked(stored[line.pk])
    assert {pk: stored[pk].amount for pk in untouched} == untouched
    assert ExpenditureLine.history.count() == history + 7


def test_a_field_set_back_to_empty_is_stored_as_null():
    line = next(line for line in havering_lines() if line.area_of_spend_id is not None)
    line.area_of_spend = None
    bulk.update_with_history([(line, ("area_of_spend",))], user=None)
    assert ExpenditureLine.objects.get(pk=line.pk).area_of_spend_id is None
    assert latest_history(line).area_of_spend_id is None


def test_rows_match_what_simple_history_writes():
    """The raw INSERT writes the same tracked values as simple_history's own bulk
    history, for a line as it is."""
    line = havering_lines()[0]
    ExpenditureLine.history.bulk_history_create([line], update=True, default_user=None)
    theirs = latest_history(line)
    bulk.insert_history([line], "~", user=None)
    ours = latest_history(line)
    assert ours.history_id != theirs.history_id
    assert as_tracked(ours) == as_tracked(theirs)
    assert (ours.history_type, ours.history_change_reason, ours.history_user) == (
        theirs.history_type,
        theirs.history_change_reason,
        theirs.history_user,
    )


def values_of(line, **changes):
    return {name: getattr(line, name) for name in LINE_FIELDS} | changes


def test_write_lines_creates_updates_and_deletes_with_history():
    """Through the one line writer: "+" for a new line, "~" for a changed one, "-"
    (with what the line said) for one removed."""
    scheme = Scheme.objects.filter(plan=plan("2017-19", "havering")).first()
    kept, removed, *rest = list(scheme.expenditure_lines.all())
    other_year = next(y for y in scheme.plan.round.years.all() if y.pk != removed.year_id)
    new = values_of(kept, amount=Decimal("42.00"), provider="New provider", year=other_year)
    changed = values_of(kept, amount=kept.amount + 1) | {"pk": kept.pk}
    wanted = [changed, new, *[values_of(line) | {"pk": line.pk} for line in rest]]
    assert write_lines({scheme: wanted}, user=finance_user()) == 3
    assert latest_history(kept).history_type == "~"
    assert latest_history(kept).amount == kept.amount + 1
    gone = latest_history(removed)
    assert (gone.history_type, gone.amount) == ("-", removed.amount)
    assert not ExpenditureLine.objects.filter(pk=removed.pk).exists()
    created = ExpenditureLine.objects.get(scheme=scheme, provider="New provider")
    row = latest_history(created)
    assert (row.history_type, row.amount, row.history_user.username) == (
        "+",
        Decimal("42.00"),
        "bhr.finance",
    )


def queries_to_change(count):
    lines = havering_lines()[:count]
    for line in lines:
        line.amount += 1
    with CaptureQueriesContext(connection) as queries:
        bulk.update_with_history([(line, ("amount",)) for line in lines], user=None)
    return len(queries)


def test_queries_do_not_grow_with_the_number_of_lines():
    # one UPDATE, one INSERT of history rows, one UPDATE of the plan's content stamp
    assert queries_to_change(2) == queries_to_change(8) == 3


def test_nothing_to_write_writes_nothing():
    with CaptureQueriesContext(connection) as queries:
        bulk.update_with_history([], user=None)
        bulk.insert_history([], "-", user=None)
    assert len(queries) == 0
