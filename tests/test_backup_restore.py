"""Backup and restore as the README describes: dump the data, restore it into an
empty database, and every plan is identical (content, finance, metrics, history)."""

import io

import pytest
from django.core.management import call_command

from assurance.snapshot import take_snapshot
from plans.models import Plan
from schemes.models import ExpenditureLine

EXCLUDE = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "admin.logentry",
    "axes.accesslog",
    "axes.accessattempt",
    "axes.accessfailurelog",
]


@pytest.mark.django_db(transaction=True)
def test_dump_and_restore_into_an_empty_database_keeps_every_plan(tmp_path):
    call_command("load_demo", verbosity=0)  # transactional tests start empty
    before = {str(plan): take_snapshot(plan) for plan in Plan.objects.all()}
    history = ExpenditureLine.history.count()
    dump = tmp_path / "backup.json"
    call_command(
        "dumpdata",
        natural_foreign=True,
        natural_primary=True,
        exclude=EXCLUDE,
        output=str(dump),
        verbosity=0,
    )
    call_command("flush", interactive=False, verbosity=0)
    assert not Plan.objects.exists()
    call_command("loaddata", str(dump), verbosity=0, stdout=io.StringIO())
    after = {str(plan): take_snapshot(plan) for plan in Plan.objects.all()}
    assert after == before and len(after) == 5
    assert ExpenditureLine.history.count() == history
