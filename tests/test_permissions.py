"""Who can see and change which plan: the matrix of DESIGN.md section 4."""

import pytest
from django.contrib.auth import get_user_model

from demo.data.users import DEMO_USERS, demo_password
from plans import permissions
from plans.models import Plan

pytestmark = pytest.mark.django_db

PLANS = {
    "barnet": ("2014-16", "barnet"),
    "lancashire": ("2014-16", "lancashire"),
    "bd": ("2017-19", "barking-and-dagenham"),
    "havering": ("2017-19", "havering"),
    "redbridge": ("2017-19", "redbridge"),
}
# Which draft plans each demo user may open. Reviewers see no drafts at all.
VISIBLE_DRAFTS = {
    "admin": set(PLANS),
    "barnet.commissioner": {"barnet"},
    "lancashire.commissioner": {"lancashire"},
    "bhr.commissioner": {"bd", "havering", "redbridge"},
    "bhr.finance": {"bd", "havering", "redbridge"},
    "london.reviewer": set(),
    "northwest.reviewer": set(),
}


def user(username):
    return get_user_model().objects.get(username=username)


def test_demo_users_sign_in_with_the_demo_password(client):
    for username in DEMO_USERS:
        response = client.post(
            "/accounts/login/", {"username": username, "password": demo_password()}
        )
        assert response.status_code == 302 and response["Location"] == "/plans/", username
        client.logout()


def test_repeated_wrong_passwords_lock_the_account(client):
    """django-axes: five failures for a username lock it, even for the right password."""
    for attempt in range(1, 6):
        response = client.post(
            "/accounts/login/", {"username": "barnet.commissioner", "password": "wrong"}
        )
        if attempt < 5:
            assert response.status_code == 200
            assert "Enter a correct username and password" in response.content.decode()
    assert response.status_code == 429  # the fifth failure locks
    response = client.post(
        "/accounts/login/", {"username": "barnet.commissioner", "password": demo_password()}
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("username", sorted(VISIBLE_DRAFTS))
@pytest.mark.parametrize("plan_key", sorted(PLANS))
def test_plan_page_is_visible_only_to_its_own_area(client, username, plan_key):
    client.force_login(user(username))
    round_slug, area_slug = PLANS[plan_key]
    response = client.get(f"/plans/{round_slug}/{area_slug}/")
    expected = 200 if plan_key in VISIBLE_DRAFTS[username] else 404
    assert response.status_code == expected


@pytest.mark.parametrize("username", sorted(VISIBLE_DRAFTS))
def test_your_plans_lists_exactly_the_visible_plans(client, username):
    client.force_login(user(username))
    response = client.get("/plans/")
    shown = {p.area.slug for p in response.context["plans"]}
    assert shown == {PLANS[k][1] for k in VISIBLE_DRAFTS[username]}


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/plans/2014-16/barnet/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("username", "narrative", "finance"),
    [
        ("barnet.commissioner", False, False),
        ("bhr.commissioner", True, True),
        ("bhr.finance", False, True),
        ("london.reviewer", False, False),
        ("admin", False, False),
    ],
)
def test_who_may_change_the_havering_draft(username, narrative, finance):
    plan = Plan.objects.get(round__slug="2017-19", area__slug="havering")
    assert permissions.can_edit_narrative(user(username), plan) is narrative
    assert permissions.can_edit_finance(user(username), plan) is finance


def test_reviewers_see_submitted_plans_in_their_region_only():
    Plan.objects.filter(area__slug__in=["barnet", "lancashire"]).update(status="submitted")
    london = set(
        Plan.objects.for_user(user("london.reviewer")).values_list("area__slug", flat=True)
    )
    north_west = set(
        Plan.objects.for_user(user("northwest.reviewer")).values_list("area__slug", flat=True)
    )
    assert london == {"barnet"}
    assert north_west == {"lancashire"}
    barnet = Plan.objects.get(area__slug="barnet")
    assert permissions.can_review(user("london.reviewer"), barnet)
    assert not permissions.can_review(user("northwest.reviewer"), barnet)
    assert not permissions.can_edit_narrative(user("barnet.commissioner"), barnet)


def test_a_submitted_plan_is_not_editable_by_its_own_area():
    plan = Plan.objects.get(area__slug="redbridge")
    plan.status = Plan.Status.SUBMITTED
    assert not permissions.can_edit_finance(user("bhr.finance"), plan)
    plan.status = Plan.Status.CHANGES_REQUESTED
    assert permissions.can_edit_finance(user("bhr.finance"), plan)


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_joint_plan_page_names_its_partner_areas(client):
    client.force_login(user("bhr.commissioner"))
    response = client.get("/plans/2017-19/havering/")
    assert b"Barking and Dagenham" in response.content
    assert b"Redbridge" in response.content
