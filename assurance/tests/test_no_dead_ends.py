"""No dead ends in the plan's life (issue: nothing lost, no dead ends): the task list
gates sign-off, a plan waiting for sign-off can go back to draft, submitting ends on
a confirmation, an outcome needs every KLOE answered, and a plan approved with
conditions or not approved can be resubmitted as its next version."""

import pytest
from django.utils.text import Truncator

from assurance import actions as workflow
from assurance import process
from assurance.tests import journey
from plans.models import KloeAssessment, NarrativeAnswer, Plan, PlanEvent
from plans.tests.helpers import login, plan

from .test_workflow import (
    answer_every_kloe,
    complete_every_section,
    complete_metrics,
    submit,
    user,
)

pytestmark = pytest.mark.django_db

S = Plan.Status
HAVERING = "/plans/2017-19/havering/"


@pytest.fixture
def havering():
    the_plan = plan("2017-19", "havering")
    complete_metrics(the_plan)
    return the_plan


def test_send_for_sign_off_is_refused_until_every_section_is_complete(client, havering):
    login(client, "bhr.commissioner")
    page = client.get(HAVERING + "submit/").content.decode()
    assert 'id="incomplete-sections"' in page
    response = client.post(HAVERING + "submit/", {"action": "request_sign_off"}, follow=True)
    assert "Mark every section complete before the plan can be sent for sign-off" in (
        response.content.decode()
    )
    assert plan("2017-19", "havering").status == S.DRAFT
    assert not PlanEvent.objects.filter(plan=havering).exists()


def test_a_plan_waiting_for_sign_off_can_go_back_to_draft(client, havering):
    complete_every_section(havering)
    workflow.send_for_sign_off(plan=havering, user=user("bhr.commissioner"))
    login(client, "bhr.commissioner")
    assert 'id="return-to-draft"' in client.get(HAVERING + "submit/").content.decode()
    response = client.post(
        HAVERING + "submit/", {"action": "return_to_draft", "reason": "The board wants a new risk."}
    )
    assert response.status_code == 302
    havering.refresh_from_db()
    assert havering.status == S.DRAFT and havering.is_editable
    event = PlanEvent.objects.filter(plan=havering).latest("pk")
    assert (event.kind, event.note) == ("returned_to_draft", "The board wants a new risk.")
    login(client, "bhr.finance")  # only the area's commissioners take it back
    complete_every_section(havering)
    workflow.send_for_sign_off(plan=havering, user=user("bhr.commissioner"))
    client.post(HAVERING + "submit/", {"action": "return_to_draft"})
    assert plan("2017-19", "havering").status == S.AWAITING_SIGN_OFF


def test_submitting_ends_on_a_confirmation_with_the_reference(client, havering):
    complete_every_section(havering)
    workflow.send_for_sign_off(plan=havering, user=user("bhr.commissioner"))
    login(client, "bhr.commissioner")
    response = client.post(HAVERING + "submit/", {"action": "submit", "certified": "yes"})
    assert response.status_code == 302
    assert response["Location"] == HAVERING + "versions/1/submitted/"
    page = client.get(response["Location"]).content.decode()
    assert "Plan submitted" in page and "BCF-2017-19-HAVERING-V1" in page
    assert "What happens next" in page


def test_an_outcome_needs_every_kloe_answered_and_kloes_need_assurance(havering):
    reviewer = user("london.reviewer")
    submit(havering)
    with pytest.raises(workflow.TransitionRefused, match="in assurance"):
        answer_every_kloe(havering, reviewer)
    workflow.start_assurance(plan=havering, user=reviewer)
    first = havering.round.kloes.first()
    process.answer_kloe(plan=havering, user=reviewer, kloe=first, rating="met", comment="")
    with pytest.raises(workflow.TransitionRefused, match="Answer every key line of enquiry"):
        process.complete_assessment(plan=havering, user=reviewer)
    journey.decide(havering, "approved", nhs="london.reviewer")
    with pytest.raises(workflow.TransitionRefused, match="in assurance"):
        answer_every_kloe(havering, reviewer, rating="not_met")  # not on an approved plan
    assert not KloeAssessment.objects.filter(rating="not_met").exists()


def test_a_plan_not_approved_is_resubmitted_as_its_next_version(client, havering):
    reviewer, commissioner = user("london.reviewer"), user("bhr.commissioner")
    submit(havering)
    workflow.start_assurance(plan=havering, user=reviewer)
    journey.decide(havering, "not-approved", rating="not_met", nhs="london.reviewer")
    login(client, "bhr.commissioner")
    assert 'id="reopen"' in client.get(HAVERING + "submit/").content.decode()
    assert client.post(HAVERING + "submit/", {"action": "reopen"}).status_code == 302
    havering.refresh_from_db()
    assert havering.status == S.DRAFT
    assert havering.status_label == "Draft"  # the old outcome's words go with it
    version_2 = submit(havering)
    assert version_2.number == 2
    workflow.start_assurance(plan=havering, user=reviewer)
    login(client, "london.reviewer")
    page = client.get(HAVERING + "review/").content.decode()
    first = havering.round.kloes.first()
    assert f'id="kloe-{first.code}-previous">On version 1: <strong>Not met</strong>' in page
    kinds = list(PlanEvent.objects.filter(plan=havering).values_list("kind", flat=True))
    assert kinds[-4:] == ["reopened", "sign_off_requested", "submitted", "assurance_started"]
    assert PlanEvent.objects.get(kind="reopened").actor == commissioner  # the area reopened it


def test_the_kloe_page_saves_every_answer_typed_in_one_go(client, havering):
    reviewer = user("london.reviewer")
    submit(havering)
    workflow.start_assurance(plan=havering, user=reviewer)
    first, second, third = havering.round.kloes.all()[:3]
    login(client, "london.reviewer")
    url = HAVERING + "review/answers/"
    data = {
        f"rating-{first.pk}": "met",
        f"comment-{first.pk}": "Clear vision.",
        f"rating-{second.pk}": "partially_met",
        f"comment-{second.pk}": "Needs figures.",
        f"comment-{third.pk}": "Typed, but no rating chosen.",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert f"{third.code}: choose met, partially met or not met" in page
    assert "Clear vision." in page and "Typed, but no rating chosen." in page  # kept
    assert not KloeAssessment.objects.exists()  # all or none
    data[f"rating-{third.pk}"] = "not_met"
    assert client.post(url, data).status_code == 302
    saved = dict(KloeAssessment.objects.values_list("kloe__code", "rating"))
    assert saved == {first.code: "met", second.code: "partially_met", third.code: "not_met"}
    assert client.post(url, {f"rating-{first.pk}": "bogus"}).status_code == 400
    assert KloeAssessment.objects.count() == 3
    login(client, "bhr.commissioner")
    assert client.post(url, data).status_code == 403


def test_check_your_answers_shows_the_answers_not_only_statuses(
    client, django_assert_max_num_queries
):
    """Havering's seed figures, as the area would check them before sign-off."""
    login(client, "bhr.commissioner")
    with django_assert_max_num_queries(60):
        page = client.get(HAVERING + "submit/").content.decode()
    vision = havering_vision_words()
    assert vision in page
    assert "16 risks" in page
    assert "schemes, £" in page and "planned in all" in page
    assert "metrics have planned values" in page


def havering_vision_words():
    text = NarrativeAnswer.objects.get(
        narrative__plans__area__slug="havering", section__slug="vision"
    ).text
    return Truncator(text).words(8, truncate="").split("\n")[0]


def test_a_partners_submitted_plan_freezes_the_shared_sections_for_everyone(client, havering):
    """Havering is submitted: Barking and Dagenham's draft can no longer change the
    shared vision the reviewer reads for Havering; its own sections stay open."""
    submit(havering)
    vision = NarrativeAnswer.objects.get(narrative=havering.narrative, section__slug="vision")
    login(client, "bhr.commissioner")
    url = "/plans/2017-19/barking-and-dagenham/sections/vision/"
    page = client.get(url).content.decode()
    assert 'id="frozen-by-partner"' in page and "Havering's plan is submitted" in page
    data = {"text": "Changed behind the reviewer's back", "completed": "no", "lock_version": 0}
    assert client.post(url, data).status_code == 403
    vision.refresh_from_db()
    assert vision.text != "Changed behind the reviewer's back"
    task_list = client.get("/plans/2017-19/barking-and-dagenham/").content.decode()
    assert "cannot be changed while Havering's plan is submitted" in task_list
    own = client.get("/plans/2017-19/barking-and-dagenham/sections/plan-details/")
    assert 'id="frozen-by-partner"' not in own.content.decode()
