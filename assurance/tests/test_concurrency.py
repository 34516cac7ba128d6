"""Real races on PostgreSQL: two threads, each with its own database connection,
start at the same moment and overlap inside the critical section. SQLite has no row
locks and serialises writers, so these run on PostgreSQL only (as `.ci/run` does)."""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections

from assurance import actions as workflow
from plans.locking import EditConflict
from plans.models import NarrativeAnswer, PlanEvent, PlanVersion, Role
from plans.sections.actions import save_section
from plans.tests.helpers import plan

from .test_workflow import complete_every_section, complete_metrics, user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks"),
]


def race(*calls):
    """Run each call in its own thread, released together; ("ok", value) or
    ("refused", exception) for each, in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as error:
            results[index] = ("refused", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck on a lock"
    return results


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0, assurance=False)  # transactional tests start empty


def test_two_submissions_at_the_same_moment_make_exactly_one_version(demo, monkeypatch):
    havering = plan("2017-19", "havering")
    complete_metrics(havering)
    commissioner = user("bhr.commissioner")
    complete_every_section(havering)
    workflow.send_for_sign_off(plan=havering, user=commissioner)

    take_snapshot = workflow.take_snapshot

    def slow_snapshot(the_plan):  # hold the row lock long enough for the other to queue
        time.sleep(0.5)
        return take_snapshot(the_plan)

    monkeypatch.setattr(workflow, "take_snapshot", slow_snapshot)

    def submit():
        return workflow.submit(plan=plan("2017-19", "havering"), user=commissioner, certified=True)

    results = race(submit, submit)
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["ok", "refused"], results
    refused = next(value for kind, value in results if kind == "refused")
    assert isinstance(refused, workflow.TransitionRefused)
    assert PlanVersion.objects.filter(plan=havering).count() == 1
    assert PlanEvent.objects.filter(plan=havering, kind=PlanEvent.Kind.SUBMITTED).count() == 1
    assert plan("2017-19", "havering").status == "submitted"


def test_two_saves_of_one_section_from_the_same_version_keep_exactly_one(demo):
    havering = plan("2017-19", "havering")
    section = havering.round.sections.get(slug="vision")
    before = NarrativeAnswer.objects.filter(narrative=havering.narrative, section=section)
    assert before.count() == 1  # the demo's own vision text

    def save(author, text):
        def write():
            time.sleep(0.3)  # still inside the transaction when the other arrives
            NarrativeAnswer.objects.filter(narrative=havering.narrative, section=section).update(
                text=text
            )

        return lambda: save_section(
            plan=havering,
            section=section,
            user=user(author),
            read_version=0,
            completed=False,
            write=write,
        )

    # Two commissioners of the area: only they may write its narrative.
    colleague = get_user_model().objects.create_user("havering.commissioner")
    Role.objects.create(user=colleague, kind=Role.Kind.COMMISSIONER).areas.add(havering.area)
    results = race(save("bhr.commissioner", "First"), save("havering.commissioner", "Second"))
    kinds = [kind for kind, _ in results]
    assert sorted(kinds) == ["ok", "refused"], results
    winner = kinds.index("ok")
    loser = results[1 - winner][1]
    assert isinstance(loser, EditConflict) and loser.current.lock_version == 1
    assert before.get().text == ["First", "Second"][winner]
