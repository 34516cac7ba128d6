"""An area's commissioner starts their own area's plan (not another area's), from
"Your plans" or the plan's own address, empty or from the area's plan of the round
before: narrative answers and schemes' words are copied, money never."""

import pytest
from django.core.exceptions import PermissionDenied

from finance.models import IncomeLine
from metrics.models import MetricTrajectory
from plans.models import NarrativeAnswer, Plan, PlanNarrative, Round, SchemeType
from plans.tests.helpers import login
from rounds import actions, selectors
from schemes.models import ExpenditureLine, Scheme

from .helpers import area, later_round, plan_of, user

pytestmark = pytest.mark.django_db
START = "/rounds/2017-19/start/barnet/"


def counts():
    return Plan.objects.count(), PlanNarrative.objects.count(), Scheme.objects.count()


def test_your_plans_offers_the_start_buttons(client):
    login(client, "barnet.commissioner")
    page = client.get("/plans/").content.decode()
    assert "Plans to start" in page
    assert 'action="/rounds/2017-19/start/barnet/"' in page
    assert "Start from your 2014-16 plan" in page and "Start empty" in page
    login(client, "bhr.commissioner")
    page = client.get("/plans/").content.decode()
    for slug in ("barking-and-dagenham", "havering", "redbridge"):
        assert f'action="/rounds/2014-16/start/{slug}/"' in page  # no 2014-16 plan yet
    assert "/rounds/2017-19/start/" not in page  # they all have 2017-19 plans
    assert "Start your plan" in page and "Start from your" not in page


@pytest.mark.parametrize("username", ["bhr.finance", "london.reviewer", "admin"])
def test_your_plans_offers_nothing_to_start_to_others(client, username):
    login(client, username)
    assert "Plans to start" not in client.get("/plans/").content.decode()


def test_a_closed_round_offers_nothing_and_refuses_to_start(client):
    Round.objects.filter(slug="2017-19").update(is_open=False)
    login(client, "barnet.commissioner")
    assert "/rounds/2017-19/start/barnet/" not in client.get("/plans/").content.decode()
    before = counts()
    response = client.post(START, {"start": "empty"})
    assert response.status_code == 403
    assert "is closed" in response.content.decode()
    assert counts() == before
    with pytest.raises(actions.StartRefused):
        actions.start_own_plan(
            user=user("barnet.commissioner"),
            round_=Round.objects.get(slug="2017-19"),
            area=area("barnet"),
        )


def test_the_commissioner_starts_an_empty_plan(client):
    login(client, "barnet.commissioner")
    before = counts()
    response = client.post(START, {"start": "empty"})
    assert response.status_code == 302
    assert response["Location"] == "/plans/2017-19/barnet/"
    plan = plan_of("2017-19", "barnet")
    assert plan.status == Plan.Status.DRAFT
    assert plan.narrative.title == "Barnet Better Care Fund plan 2017-19"
    assert counts() == (before[0] + 1, before[1] + 1, before[2])
    assert not NarrativeAnswer.objects.filter(narrative=plan.narrative).exists()
    assert plan.history.first().history_user == user("barnet.commissioner")
    # The plan's page now opens on its task list.
    page = client.get("/plans/2017-19/barnet/").content.decode()
    assert 'id="task-list"' in page
    # A second click starts nothing and goes to the plan.
    response = client.post(START, {"start": "empty"})
    assert response.status_code == 302 and response["Location"] == "/plans/2017-19/barnet/"
    assert counts() == (before[0] + 1, before[1] + 1, before[2])


@pytest.mark.parametrize("username", ["barnet.commissioner", "bhr.finance", "london.reviewer"])
def test_nobody_starts_another_areas_plan(client, username):
    login(client, username)
    before = counts()
    for url in ("/rounds/2017-19/start/camden/", "/rounds/2014-16/start/havering/"):
        assert client.get(url).status_code == 403
        assert client.post(url, {"start": "empty"}).status_code == 403
    assert counts() == before
    assert client.post("/rounds/2017-19/start/atlantis/", {"start": "empty"}).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.start_own_plan(
            user=user(username), round_=Round.objects.get(slug="2017-19"), area=area("camden")
        )


def test_start_page_offers_the_choice(client):
    login(client, "barnet.commissioner")
    page = client.get(START).content.decode()
    assert "Start from your 2014-16 plan" in page and "Start empty" in page
    assert "Vision" in page and "8 schemes" in page
    # The "not started" page's button posts without a choice: the choice is asked for.
    response = client.post(START)
    assert response.status_code == 200 and "How do you want to start?" in response.content.decode()
    assert plan_of("2017-19", "barnet") is None


def test_copy_forward_from_the_barnet_2014_16_plan(client):
    old = plan_of("2014-16", "barnet")
    old_vision = old.narrative.answers.get(section__slug="vision").text
    old_schemes = list(old.schemes.order_by("code"))
    assert len(old_schemes) == 8
    before_lines = ExpenditureLine.objects.count()
    login(client, "barnet.commissioner")
    response = client.post(START, {"start": "previous"})
    assert response.status_code == 302
    plan = plan_of("2017-19", "barnet")
    # Narrative: only the sections both rounds have (vision; 2017-19 has no
    # provider-engagement or public-engagement sections).
    answers = {a.section.slug: a for a in plan.narrative.answers.select_related("section")}
    assert set(answers) == {"vision"}
    assert answers["vision"].text == old_vision
    assert answers["vision"].section.round.slug == "2017-19"
    # Schemes: the words, not the money.
    new_schemes = list(plan.schemes.select_related("scheme_type", "lead_commissioner"))
    assert len(new_schemes) == 8
    for before, after in zip(old_schemes, sorted(new_schemes, key=lambda s: s.code), strict=True):
        assert (after.code, after.name, after.description, after.lead_provider) == (
            before.code,
            before.name,
            before.description,
            before.lead_provider,
        )
        # 2017-19's scheme types have other names; lead commissioner "CCG" is in both.
        assert after.scheme_type is None
        if before.lead_commissioner.name == "CCG":
            assert after.lead_commissioner.round.slug == "2017-19"
            assert after.lead_commissioner.name == "CCG"
        else:
            assert after.lead_commissioner is None  # "Local Authority" is "LA" in 2017-19
    assert ExpenditureLine.objects.count() == before_lines
    assert not ExpenditureLine.objects.filter(scheme__plan=plan).exists()
    assert not IncomeLine.objects.filter(plan=plan).exists()
    assert not MetricTrajectory.objects.filter(plan=plan).exists()
    # The old plan is untouched.
    assert old.schemes.count() == 8 and old.narrative.answers.count() == 3
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Plan started from your 2014-16 plan: 1 section answer and 8 schemes copied. Add "
        "this round's money, expenditure and metrics."
    ]


def test_copy_forward_of_a_joint_plan_into_a_later_round(tmp_path):
    round_ = later_round(tmp_path)
    old = plan_of("2017-19", "havering")
    plan, created = actions.start_own_plan(
        user=user("bhr.commissioner"), round_=round_, area=area("havering"), from_previous=True
    )
    assert created
    # Havering's own narrative now, with the joint narrative's answers of every section.
    assert plan.narrative_id != old.narrative_id
    old_answers = dict(old.narrative.answers.exclude(text="").values_list("section__slug", "text"))
    new_answers = dict(plan.narrative.answers.values_list("section__slug", "text"))
    assert new_answers == old_answers and len(new_answers) >= 5
    # Scheme types matched by name into the new round's list.
    old_types = dict(old.schemes.values_list("code", "scheme_type__name"))
    assert any(old_types.values())
    for scheme in plan.schemes.select_related("scheme_type"):
        if old_types[scheme.code]:
            assert scheme.scheme_type.round_id == round_.pk
            assert scheme.scheme_type.name == old_types[scheme.code]
    assert plan.schemes.count() == old.schemes.count()
    assert not ExpenditureLine.objects.filter(scheme__plan=plan).exists()
    assert (
        SchemeType.objects.filter(round=round_).count()
        == SchemeType.objects.filter(round=old.round).count()
    )
    # The previous plan is the latest round below, by slug.
    assert selectors.previous_plan(area("havering"), round_).pk == old.pk


def test_copying_without_an_earlier_plan_is_refused(client):
    login(client, "bhr.commissioner")
    response = client.post("/rounds/2014-16/start/havering/", {"start": "previous"})
    assert response.status_code == 400
    assert "has no plan from an earlier round" in response.content.decode()
    assert plan_of("2014-16", "havering") is None


def test_the_plan_page_of_an_unstarted_plan_offers_to_start_it(client):
    login(client, "barnet.commissioner")
    response = client.get("/plans/2017-19/barnet/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Barnet has not started its plan" in page
    assert 'action="/rounds/2017-19/start/barnet/"' in page
    # Another area's, a closed round's, an unknown round's: still no such page.
    assert client.get("/plans/2017-19/camden/").status_code == 404
    assert client.get("/plans/2099-01/barnet/").status_code == 404
    Round.objects.filter(slug="2017-19").update(is_open=False)
    assert client.get("/plans/2017-19/barnet/").status_code == 404


@pytest.mark.parametrize("username", ["admin", "london.reviewer", "bhr.finance"])
def test_others_still_get_a_404_for_an_unstarted_plan(client, username):
    login(client, username)
    assert client.get("/plans/2017-19/barnet/").status_code == 404
