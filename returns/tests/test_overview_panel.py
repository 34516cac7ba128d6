"""The national overview shows the returns: every return due so far, latest first, with
how many plans owe it, have submitted it and are overdue, in three queries whatever
the number of plans."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.models import Plan, ReturnPeriod, Round
from returns.national import overview_counts

from .helpers import Q1, approved, fill_return, login, sheet_of

pytestmark = pytest.mark.django_db


def panel_of(page):
    return page[page.index('id="overview-returns"') : page.index('id="overview"')]


def test_the_overview_counts_havering_s_submitted_quarter_1(client):
    havering = approved("2017-19", "havering")
    login(client, "bhr.commissioner")
    fill_return(client, Q1, sheet_of(havering, "2017-18-q1"))
    assert client.post(Q1 + "submit/").status_code == 302
    login(client, "national.approver")
    page = client.get("/overview/?round=2017-19").content.decode()
    panel = panel_of(page)
    # The latest return due is the 2018/19 year end: Havering owes it and is late.
    assert "Year end 2018/19 (due 18 April 2019): 0 of 1 plan in delivery submitted" in panel
    assert "1 overdue" in panel
    q1 = panel[panel.index("Quarter 1 2017/18</a>") :]
    q1 = q1[: q1.index("</tr>")]
    cells = [c.split(">")[-1] for c in q1.split("</td>")[:-1]]
    assert cells == ["21 Jul 2017", "1", "1", "0"]  # due, owing, submitted, overdue
    assert panel.count('<tr class="govuk-table__row">') == 1 + 8  # every 2017-19 return
    assert "/returns/?round=2017-19&amp;period=2017-18-q1" in panel


def test_the_panel_s_queries_do_not_grow_with_plans():
    user = get_user_model().objects.get(username="national.approver")
    round_ = Round.objects.get(slug="2017-19")
    approved("2017-19", "havering")
    overview_counts(user, round_)  # the user's roles are read once, then remembered
    with CaptureQueriesContext(connection) as one:
        rows = overview_counts(user, round_, datetime.date(2017, 8, 1))
    Plan.objects.filter(round=round_).update(status=Plan.Status.APPROVED)
    with CaptureQueriesContext(connection) as every:
        more = overview_counts(user, round_, datetime.date(2017, 8, 1))
    assert len(one) == len(every) == 3
    # On 1 August 2017 quarter 1 is due (and late) and quarter 2 is next.
    assert [(r.period.slug, r.due, r.overdue) for r in rows] == [
        ("2017-18-q2", 1, 0),
        ("2017-18-q1", 1, 1),
    ]
    assert more[1].due == Plan.objects.filter(round=round_).count() > 1


def test_no_panel_for_a_round_without_returns_nor_for_areas(client):
    round_ = Round.objects.get(slug="2017-19")
    ReturnPeriod.objects.filter(round=round_).delete()
    login(client, "national.approver")
    page = client.get("/overview/?round=2017-19").content.decode()
    assert 'id="overview-returns"' not in page and 'id="overview"' in page
    login(client, "bhr.commissioner")
    assert client.get("/overview/?round=2017-19").status_code == 403
