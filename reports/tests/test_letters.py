"""The outcome letter: drawn from the decided version's snapshot, built once, queued by
the decision's signal, and served to those who may see the plan."""

import datetime
import os
import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django_tasks_db.models import DBTaskResult

from assurance.process import outcome_decided
from assurance.snapshot import take_snapshot
from plans.models import (
    OutcomeCategory,
    OutcomeCondition,
    OutcomeLetter,
    PlanEvent,
    PlanVersion,
    Recommendation,
    RoundDeadline,
    SignOff,
)
from plans.tests.helpers import login, plan
from reports import letters

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
]

LETTER = "/plans/2017-19/havering/outcome-letter.pdf"
CHAIR, OFFICER = "Cllr Jane Whitfield", "Dr Anil Mehta"
CONDITIONS = [
    ("Agree the section 75 pooled budget with the council.", datetime.date(2017, 10, 31)),
    ("Publish the refreshed DToC trajectory.", datetime.date(2017, 11, 30)),
]


def text(pdf):
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def letter_text(letter):
    with letter.pdf.open("rb") as stored:
        return text(stored.read())


@pytest.fixture
def havering():
    the_plan = plan("2017-19", "havering")
    SignOff.objects.filter(plan=the_plan, role__slug="hwb-chair").update(signed_by=CHAIR)
    SignOff.objects.filter(plan=the_plan, role__slug="ccg").update(signed_by=OFFICER)
    return the_plan


def submitted(the_plan):
    number = (the_plan.versions.order_by("-number").values_list("number", flat=True).first()) or 0
    return PlanVersion.objects.create(
        plan=the_plan, number=number + 1, snapshot=take_snapshot(the_plan)
    )


def category(the_plan, effect):
    """The round's own outcome category with this effect (from its reference data)."""
    return OutcomeCategory.objects.get(round=the_plan.round, effect=effect)


def decide(version, effect="approved_with_conditions", **fields):
    chosen = category(version.plan, effect)
    asks = chosen.asks == OutcomeCategory.Asks.CONDITIONS
    recommendation = Recommendation.objects.create(
        version=version,
        reviewer=get_user_model().objects.get(username="national.approver"),
        outcome=effect,
        category=chosen,
        conditions="\n".join(t for t, _ in CONDITIONS) if asks else "",
        **{"is_final": True, **fields},
    )
    if asks:
        for order, (condition, due) in enumerate(CONDITIONS):
            OutcomeCondition.objects.create(
                recommendation=recommendation, order=order, text=condition, due=due
            )
    return recommendation


def test_the_letter_says_what_was_decided_for_whom_from_the_snapshot(havering):
    version = submitted(havering)
    SignOff.objects.filter(plan=havering).update(signed_by="Someone Later")  # after submission
    recommendation = decide(version)
    letter = letters.build_letter(recommendation)
    body = letter_text(letter)
    assert "BCF Plans" in body and version.reference in body
    assert CHAIR in body and OFFICER in body and "Someone Later" not in body
    assert "Havering Health and Wellbeing Board" in body
    for ccg in havering.area.ccgs.values_list("name", flat=True):
        assert ccg in body
    assert "Outcome: Approved with conditions" in body
    assert "once the named conditions are met by their deadlines" in body  # its description
    for condition, due in CONDITIONS:
        assert condition in body and f"{due:%-d %B %Y}" in body
    assert "31 October 2017" in body
    assert "David Lowe" in body and "On behalf of the national Better Care Fund team" in body
    assert letter.pdf.name.endswith(f"{version.reference}-outcome.pdf")
    info = subprocess.run(["pdfinfo", letter.pdf.path], capture_output=True, check=True)
    pages = int(next(ln for ln in info.stdout.decode().splitlines() if ln.startswith("Pages:"))[6:])
    assert pages <= 2


def test_a_missing_name_is_addressed_by_role_and_organisation(havering):
    SignOff.objects.filter(plan=havering, role__slug="ccg").update(signed_by="")
    version = submitted(havering)
    people = letters.letter_context(decide(version, "approved"))["addressees"]
    assert people[0]["name"] == CHAIR and people[0]["office"] == "Chair"
    ccgs = sorted(havering.area.ccgs.values_list("name", flat=True))
    assert sorted((p["name"], p["organisation"]) for p in people[1:]) == [("", c) for c in ccgs]
    assert {p["office"] for p in people[1:]} == {"Clinical Commissioning Group accountable officer"}


def test_not_approved_is_escalated_with_the_resubmission_deadline(havering):
    recommendation = decide(submitted(havering), "not_approved", support="A visit by the BCF team.")
    body = letter_text(letters.build_letter(recommendation))
    assert "Outcome: Not approved" in body
    assert "escalated to the national Better Care Fund team" in body
    assert "resubmitted through BCF Plans by 31 October 2017" in body  # the round's deadline
    assert "A visit by the BCF team." in body
    RoundDeadline.objects.filter(round=havering.round, kind="resubmission").delete()
    without = decide(submitted(havering), "not_approved")
    assert letters.letter_context(without)["resubmission"] == ""


def test_the_letter_is_built_once_with_its_event(havering):
    recommendation = decide(submitted(havering))
    first = letters.build_letter(recommendation)
    again = letters.build_letter(Recommendation.objects.get(pk=recommendation.pk))
    assert again.pk == first.pk
    assert OutcomeLetter.objects.filter(recommendation=recommendation).count() == 1
    events = PlanEvent.objects.filter(plan=havering, kind=PlanEvent.Kind.LETTER_ISSUED)
    assert events.count() == 1
    event = events.get()
    assert event.version == recommendation.version and event.actor is None
    assert event.from_status == event.to_status == havering.status
    assert event.note == os.path.basename(first.pdf.name)


def test_the_decision_queues_the_letter_task(havering, django_capture_on_commit_callbacks):
    recommendation = decide(submitted(havering))
    with django_capture_on_commit_callbacks(execute=True):
        outcome_decided.send(sender=Recommendation, recommendation=recommendation)
    task = DBTaskResult.objects.get(task_path="reports.letters.issue_letter")
    assert task.args_kwargs["args"] == [recommendation.pk]
    assert not OutcomeLetter.objects.filter(recommendation=recommendation).exists()
    letters.issue_letter.call(*task.args_kwargs["args"])
    assert OutcomeLetter.objects.filter(recommendation=recommendation).exists()


def test_a_proposal_queues_nothing(havering):
    proposal = decide(submitted(havering), "approved", is_final=False)
    outcome_decided.send(sender=Recommendation, recommendation=proposal)
    assert not DBTaskResult.objects.filter(task_path="reports.letters.issue_letter").exists()


def test_the_area_reads_the_latest_letter_built_on_first_request(client, havering):
    login(client, "bhr.commissioner")
    response = client.get(LETTER)
    assert response.status_code == 404
    assert "No outcome has been decided for this plan yet" in response.content.decode()

    first = decide(submitted(havering), "not_approved")
    letters.build_letter(first)
    latest = decide(submitted(havering), "approved")  # its task has not run yet
    response = client.get(LETTER)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reference = latest.version.reference
    assert response["Content-Disposition"] == f'inline; filename="{reference}-outcome.pdf"'
    assert f"{reference}" in text(response.content)
    assert OutcomeLetter.objects.filter(recommendation=latest).exists()

    older = f"/plans/2017-19/havering/versions/{first.version.number}/outcome-letter.pdf"
    response = client.get(older)
    assert response.status_code == 200 and first.version.reference in text(response.content)


def test_only_those_who_may_see_the_plan_read_the_letter(client, havering):
    version = submitted(havering)
    letters.build_letter(decide(version, "approved"))
    login(client, "barnet.commissioner")
    assert client.get(LETTER).status_code == 404
    url = f"/plans/2017-19/havering/versions/{version.number}/outcome-letter.pdf"
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(LETTER).status_code == 302  # to sign in


def test_a_version_without_a_decision_has_no_letter(client, havering):
    version = submitted(havering)
    login(client, "bhr.commissioner")
    url = f"/plans/2017-19/havering/versions/{version.number}/outcome-letter.pdf"
    response = client.get(url)
    assert response.status_code == 404 and "No outcome was decided" in response.content.decode()
