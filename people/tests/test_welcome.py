"""The first-run page and the plan page's advice when an area has no CCG."""

import datetime

import pytest

from people import actions
from plans.models import Plan, Round, RoundDeadline
from plans.tests.helpers import login

from .helpers import area, user

pytestmark = pytest.mark.django_db


def test_the_welcome_page_shows_areas_plans_colleagues_and_deadlines(
    client, django_assert_max_num_queries
):
    round_ = Round.objects.get(slug="2017-19")
    RoundDeadline.objects.create(
        round=round_,
        slug="people-test-deadline",
        label="Plans submitted (people test)",
        kind="submission",
        due=datetime.date.today() + datetime.timedelta(days=10),
    )
    Plan.objects.filter(round=round_, area=area("redbridge")).delete()
    login(client, "bhr.commissioner")
    with django_assert_max_num_queries(17):  # 13, and savepoints and the session
        response = client.get("/people/welcome/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Barking and Dagenham",
        "Havering",
        "Redbridge",
        "Plans submitted (people test)",
        "In 10 days",
    ):
        assert text in page, text
    havering = Plan.objects.get(round=round_, area=area("havering"))
    assert havering.get_absolute_url() in page
    assert "Not started yet" in page  # Redbridge's plan, which its commissioner may start
    assert 'href="/rounds/2017-19/start/redbridge/"' in page
    assert "bhr.finance@example.invalid" in page  # a colleague in the areas
    assert "barnet.commissioner" not in page


def test_the_welcome_page_of_someone_without_areas(client):
    login(client, "london.reviewer")
    page = client.get("/people/welcome/").content.decode()
    assert "You do not hold a role in any Health and Wellbeing Board area" in page


def test_a_plan_whose_area_has_no_ccg_says_how_to_fix_it(client):
    area("havering").ccgs.clear()
    url = "/plans/2017-19/havering/sections/plan-details/"
    login(client, "bhr.commissioner")
    page = client.get(url).content.decode()
    assert "Ask a national administrator to add this area" in page
    assert "/reference/ccgs/" not in page
    login(client, "admin")
    page = client.get(url).content.decode()
    assert 'href="/reference/ccgs/"' in page


def test_the_welcome_page_lists_people_invited_to_the_areas_until_they_accept(
    client, django_assert_max_num_queries
):
    barnet = area("barnet")
    for number in range(3):
        actions.invite(
            user=user("admin"),
            email=f"invitee{number}@barnet.example",
            full_name=f"Invitee {number}",
            grants=[{"kind": "finance_officer", "areas": [barnet.pk]}],
        )
    login(client, "barnet.commissioner")
    with django_assert_max_num_queries(19):  # two more (invitations, their areas), any number
        page = client.get("/people/welcome/").content.decode()
    assert "Invited, not yet signed in" in page
    for number in range(3):
        assert f"invitee{number}@barnet.example" in page
    assert "Finance officer: Barnet" in page
    login(client, "bhr.commissioner")  # not their areas
    assert "invitee0@barnet.example" not in client.get("/people/welcome/").content.decode()
