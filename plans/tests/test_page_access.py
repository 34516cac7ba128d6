"""Every plan page answers 404 to users who may not see the plan and 403 to those who
may see it but not change it; nothing is written by a refused request."""

import pytest

from plans.models import NarrativeAnswer, Plan

from .helpers import login

pytestmark = pytest.mark.django_db


def plan_urls(plan):
    base = f"/plans/{plan.round.slug}/{plan.area.slug}/"
    urls = [
        base,
        base + "check/",
        base + "finance/",
        base + "finance/income/",
        base + "schemes/",
        base + "schemes/new/",
        base + "metrics/",
        base + "metrics/dtoc/",
        base + "submit/",
        base + "versions/",
        base + "timeline/",
        base + "finance/upload/",
        base + "template.xlsx",
    ]
    urls += [
        f"{base}sections/{s.slug}/"
        for s in plan.round.sections.all()
        if s.kind not in ("schemes", "finance", "metrics")
    ]
    scheme = plan.schemes.first()
    if scheme is not None:
        urls += [f"{base}schemes/{scheme.code}/", f"{base}schemes/{scheme.code}/remove/"]
    return urls


@pytest.mark.parametrize(
    "username,round_slug,area_slug",
    [
        ("barnet.commissioner", "2014-16", "lancashire"),
        ("lancashire.commissioner", "2014-16", "barnet"),
        ("barnet.commissioner", "2017-19", "havering"),
        ("london.reviewer", "2017-19", "havering"),  # a draft: reviewers see none
        ("northwest.reviewer", "2014-16", "lancashire"),
    ],
)
def test_other_areas_get_404_on_every_page_and_every_post(client, username, round_slug, area_slug):
    plan = Plan.objects.get(round__slug=round_slug, area__slug=area_slug)
    login(client, username)
    before = NarrativeAnswer.objects.count()
    for url in plan_urls(plan):
        assert client.get(url).status_code == 404, url
        posted = client.post(url, {"text": "x", "completed": "no", "lock_version": 0})
        # Download views answer only GET; their 405 says nothing about the plan either.
        assert posted.status_code == (405 if url.endswith(".xlsx") else 404), url
    assert NarrativeAnswer.objects.count() == before


def test_finance_officer_reads_the_narrative_but_cannot_change_it(client):
    plan = Plan.objects.get(round__slug="2017-19", area__slug="havering")
    login(client, "bhr.finance")
    for url in plan_urls(plan):
        assert client.get(url).status_code == 200, url
    vision = "/plans/2017-19/havering/sections/vision/"
    page = client.get(vision).content.decode()
    assert "disabled" in page and "Save and return" not in page
    response = client.post(vision, {"text": "x", "completed": "no", "lock_version": 0})
    assert response.status_code == 403
    assert client.get("/plans/2017-19/havering/finance/income/").status_code == 200


def test_signed_out_users_are_sent_to_sign_in(client):
    plan = Plan.objects.get(round__slug="2014-16", area__slug="barnet")
    for url in plan_urls(plan):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_submitted_plans_are_read_only_even_to_their_own_area(client):
    plan = Plan.objects.get(round__slug="2014-16", area__slug="barnet")
    login(client, "barnet.commissioner")
    plan.status = Plan.Status.SUBMITTED
    plan.save()
    response = client.post(
        "/plans/2014-16/barnet/sections/vision/",
        {"text": "x", "completed": "no", "lock_version": 0},
    )
    assert response.status_code == 403
