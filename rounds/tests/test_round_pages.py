"""The rounds pages: only national administrators; every HWB with its plan, in a fixed
number of queries; starting plans in bulk (exactly the chosen areas, one transaction,
never twice) and joint plans; the calendar; opening and closing the round."""

import datetime
import html

import pytest
from django.core.exceptions import PermissionDenied

from plans.models import Area, Plan, PlanNarrative, Round, RoundDeadline
from plans.tests.helpers import login
from rounds import actions

from .helpers import area, plan_of, user

pytestmark = pytest.mark.django_db
DETAIL = "/rounds/2017-19/"
PAGES = ["/rounds/", DETAIL, "/rounds/2017-19/calendar/", "/rounds/2017-19/allocations/"]
POSTS = [
    "/rounds/2017-19/start/",
    "/rounds/2017-19/open/",
    "/rounds/2017-19/calendar/",
    "/rounds/2017-19/allocations/",
    "/rounds/2017-19/allocations/1/confirm/",
]


def counts():
    return Plan.objects.count(), PlanNarrative.objects.count()


@pytest.mark.parametrize("url", PAGES)
def test_only_national_administrators_open_the_rounds_pages(client, url):
    assert client.get(url).status_code == 302  # anonymous: to sign in
    assert client.get(url)["Location"].startswith("/accounts/login/")
    for name in ("barnet.commissioner", "bhr.finance", "london.reviewer", "national.approver"):
        login(client, name)
        assert client.get(url).status_code == 403, name
    login(client, "admin")
    assert client.get(url).status_code == 200


def test_others_cannot_post_to_the_rounds_pages(client):
    before = counts()
    login(client, "bhr.commissioner")
    for url in POSTS:
        response = client.post(url, {"action": "missing", "is_open": "no"})
        assert response.status_code == 403, url
    assert counts() == before
    assert Round.objects.get(slug="2017-19").is_open
    with pytest.raises(PermissionDenied):
        actions.start_plans(
            user=user("bhr.commissioner"), round_=Round.objects.get(slug="2017-19"), areas=[]
        )


def test_the_list_counts_each_rounds_plans_by_status(client):
    login(client, "admin")
    page = client.get("/rounds/").content.decode()
    assert "Integration and Better Care Fund 2017-19" in page and "Better Care Fund 2014-16" in page
    rows = {row.round.slug: row for row in client.get("/rounds/").context["rounds"]}
    assert rows["2017-19"].plans == 3 and rows["2017-19"].by_status == [("Draft", 3)]
    assert rows["2014-16"].plans == 2
    assert rows["2017-19"].years == ["2017/18", "2018/19"]


def test_the_round_page_lists_every_area_by_region(client):
    login(client, "admin")
    response = client.get(DETAIL)
    areas = response.context["areas"]
    assert areas.total == Area.objects.count() == 152
    assert areas.with_plan == 3 and len(areas.without_plan) == 149
    london = dict((r.slug, rows) for r, rows in areas.regions)["london"]
    havering = next(row for row in london if row.area.slug == "havering")
    assert havering.status == "Draft"
    assert havering.partners == ["Barking and Dagenham", "Redbridge"]
    page = response.content.decode()
    assert 'href="/plans/2017-19/havering/"' in page
    assert 'name="areas" type="checkbox" value="camden"' in page
    assert 'value="havering"' not in page  # an area with a plan cannot be chosen


def test_the_round_page_filters_by_region_and_plan(client):
    login(client, "admin")
    areas = client.get(DETAIL, {"region": "london", "plan": "yes"}).context["areas"]
    assert [[row.area.slug for row in rows] for _r, rows in areas.regions] == [
        ["barking-and-dagenham", "havering", "redbridge"]
    ]
    areas = client.get(DETAIL, {"region": "london", "plan": "no"}).context["areas"]
    slugs = [row.area.slug for _r, rows in areas.regions for row in rows]
    assert "camden" in slugs and "havering" not in slugs and len(slugs) == 33 - 3
    areas = client.get(DETAIL, {"region": "north-west", "plan": ""}).context["areas"]
    assert {r.slug for r, _rows in areas.regions} == {"north-west"}
    # An unknown filter value is ignored, not an error.
    assert client.get(DETAIL, {"region": "atlantis"}).context["areas"].shown == 152


def test_the_round_page_takes_the_same_queries_whatever_the_number_of_plans(
    client, django_assert_max_num_queries, django_assert_num_queries
):
    login(client, "admin")
    client.get(DETAIL)  # warm the session
    with django_assert_max_num_queries(20) as before:
        client.get(DETAIL)
    actions.start_plans(
        user=user("admin"), round_=Round.objects.get(slug="2017-19"), areas=Area.objects.all()
    )
    assert Plan.objects.filter(round__slug="2017-19").count() == 152
    with django_assert_num_queries(len(before.captured_queries)):
        response = client.get(DETAIL)
    assert response.context["areas"].with_plan == 152


def test_start_plans_for_the_chosen_areas(client, mailoutbox, django_capture_on_commit_callbacks):
    login(client, "admin")
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/rounds/2017-19/start/",
            {
                "action": "chosen",
                "areas": ["camden", "islington", "havering"],
                "return_region": "london",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == "/rounds/2017-19/?region=london"
    assert counts() == (before[0] + 2, before[1] + 2)
    for slug, name in (("camden", "Camden"), ("islington", "Islington")):
        plan = plan_of("2017-19", slug)
        assert plan.status == Plan.Status.DRAFT
        assert plan.narrative.title == f"{name} Better Care Fund plan 2017-19"
        assert list(plan.narrative.plans.all()) == [plan]  # its own narrative
        assert plan.history.first().history_user == user("admin")
    assert plan_of("2017-19", "hackney") is None  # not chosen, not started
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["2 plans started: Camden, Islington. Havering already had a plan."]
    assert mailoutbox == []  # nobody holds a role in Camden or Islington in the demo


def test_starting_twice_starts_nothing_twice(client):
    login(client, "admin")
    data = {"action": "chosen", "areas": ["camden", "hackney"]}
    client.post("/rounds/2017-19/start/", data)
    before = counts()
    response = client.post("/rounds/2017-19/start/", data)  # a double submit
    assert response.status_code == 302
    assert counts() == before
    assert Plan.objects.filter(round__slug="2017-19", area__slug="camden").count() == 1
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "No plans started" in messages[-1]


def test_start_plans_for_every_area_without_one(client, django_assert_max_num_queries):
    login(client, "admin")
    with django_assert_max_num_queries(40):
        response = client.post("/rounds/2017-19/start/", {"action": "missing"})
    assert response.status_code == 302
    assert Plan.objects.filter(round__slug="2017-19").count() == 152
    # Each new plan has its own narrative; the BHR plans keep their shared one.
    narratives = PlanNarrative.objects.filter(round__slug="2017-19")
    assert narratives.count() == 149 + 1
    client.post("/rounds/2017-19/start/", {"action": "missing"})
    assert Plan.objects.filter(round__slug="2017-19").count() == 152


def test_bulk_start_is_one_transaction(monkeypatch):
    """A failure after the plans are written (here, preparing the mail) leaves nothing."""
    before = counts()

    def fail(plans, user):
        assert len(plans) == 3
        raise RuntimeError("mail server exploded")

    monkeypatch.setattr(actions, "_notify_started", fail)
    with pytest.raises(RuntimeError):
        actions.start_plans(
            user=user("admin"),
            round_=Round.objects.get(slug="2017-19"),
            areas=Area.objects.filter(slug__in=["camden", "hackney", "islington"]),
        )
    assert counts() == before


def test_commissioners_of_started_areas_are_emailed(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.start_plans(
            user=user("admin"),
            round_=Round.objects.get(slug="2014-16"),
            areas=[area("havering"), area("barnet")],  # Barnet already has a 2014-16 plan
        )
    assert len(mailoutbox) == 1
    [mail] = mailoutbox
    assert mail.subject == "BCF plan started: Havering, Better Care Fund 2014-16"
    assert user("bhr.commissioner").email in mail.to
    assert "/plans/2014-16/havering/" in mail.body


def test_a_joint_plan_shares_one_narrative(client):
    login(client, "admin")
    title = "Camden and Islington joint BCF plan 2017-19"
    response = client.post(
        "/rounds/2017-19/start/",
        {"action": "joint", "areas": ["camden", "islington"], "title": title},
    )
    assert response.status_code == 302
    camden, islington = plan_of("2017-19", "camden"), plan_of("2017-19", "islington")
    assert camden.narrative_id == islington.narrative_id
    assert camden.narrative.title == title
    assert set(camden.narrative.plans.values_list("area__slug", flat=True)) == {
        "camden",
        "islington",
    }
    # The round page shows each as joint with the other.
    rows = {
        row.area.slug: row
        for _r, rows in client.get(DETAIL).context["areas"].regions
        for row in rows
    }
    assert rows["camden"].partners == ["Islington"]
    # The plan page says it is a joint plan.
    page = client.get("/plans/2017-19/camden/").content.decode()
    assert title in page


def test_a_joint_plan_with_an_area_that_has_a_plan_starts_nothing(client):
    login(client, "admin")
    before = counts()
    response = client.post(
        "/rounds/2017-19/start/",
        {"action": "joint", "areas": ["camden", "havering"], "title": "Camden and Havering"},
    )
    assert response.status_code == 302
    assert counts() == before
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages[0].startswith("Havering already has a plan for Integration and Better Care")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "chosen"}, "Choose the areas to start plans for"),
        ({"action": "joint", "areas": ["camden", "islington"]}, "Enter the joint plan's title"),
        ({"action": "joint", "areas": ["camden"], "title": "x"}, "Choose at least two areas"),
        ({"action": "chosen", "areas": ["atlantis"]}, "does not exist"),
        ({"action": "explode"}, "Select a valid choice"),
    ],
)
def test_start_form_errors(client, data, message):
    login(client, "admin")
    before = counts()
    response = client.post("/rounds/2017-19/start/", data)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert counts() == before


def test_open_and_close_the_round(client):
    login(client, "admin")
    response = client.post("/rounds/2017-19/open/", {"is_open": "no"})
    assert response.status_code == 302
    assert not Round.objects.get(slug="2017-19").is_open
    assert "Closed" in client.get("/rounds/").content.decode()
    client.post("/rounds/2017-19/open/", {"is_open": "yes"})
    assert Round.objects.get(slug="2017-19").is_open


def deadline_data(round_):
    data = {}
    for d in round_.deadlines.all():
        data |= {
            f"d{d.pk}-label": d.label,
            f"d{d.pk}-due_0": str(d.due.day),
            f"d{d.pk}-due_1": str(d.due.month),
            f"d{d.pk}-due_2": str(d.due.year),
            f"d{d.pk}-remind_days_before": str(d.remind_days_before),
        }
    return data


def test_the_calendar_is_edited_and_a_date_added(client):
    login(client, "admin")
    round_ = Round.objects.get(slug="2017-19")
    submission = round_.deadlines.get(slug="submission")
    data = deadline_data(round_) | {
        f"d{submission.pk}-label": "Plan submission deadline (extended)",
        f"d{submission.pk}-due_0": "18",
        f"d{submission.pk}-remind_days_before": "10",
        "new-label": "iBCF quarter 1 return",
        "new-kind": "milestone",
        "new-due_0": "21",
        "new-due_1": "7",
        "new-due_2": "2017",
        "new-remind_days_before": "5",
    }
    response = client.post("/rounds/2017-19/calendar/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    submission.refresh_from_db()
    assert submission.label == "Plan submission deadline (extended)"
    assert submission.due == datetime.date(2017, 9, 18)
    assert submission.remind_days_before == 10
    added = round_.deadlines.get(slug="ibcf-quarter-1-return")
    assert (added.kind, added.due, added.remind_days_before) == (
        "milestone",
        datetime.date(2017, 7, 21),
        5,
    )
    assert "iBCF quarter 1 return" in client.get(DETAIL).content.decode()


def test_calendar_errors_change_nothing(client):
    login(client, "admin")
    round_ = Round.objects.get(slug="2017-19")
    before = list(round_.deadlines.values_list("label", "due", "remind_days_before"))
    submission = round_.deadlines.get(slug="submission")
    data = deadline_data(round_) | {
        f"d{submission.pk}-due_0": "31",
        f"d{submission.pk}-due_1": "2",
        "new-label": "Assurance extra",
        "new-kind": "assurance",
        "new-due_0": "1",
        "new-due_1": "1",
        "new-due_2": "2018",
    }
    response = client.post("/rounds/2017-19/calendar/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a real date" in page
    assert "Choose the assurance stage the deadline is for" in page
    assert list(round_.deadlines.values_list("label", "due", "remind_days_before")) == before
    assert RoundDeadline.objects.filter(label="Assurance extra").count() == 0


def test_the_calendar_refuses_another_rounds_date():
    other = Round.objects.get(slug="2014-16").deadlines.first()
    with pytest.raises(actions.CalendarRefused):
        actions.set_calendar(
            user=user("admin"),
            round_=Round.objects.get(slug="2017-19"),
            edits={other.pk: actions.DeadlineValues("Moved", datetime.date(2030, 1, 1))},
        )
    other.refresh_from_db()
    assert other.due.year == 2014
