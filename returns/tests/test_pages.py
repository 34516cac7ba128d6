"""A quarterly return by web: every part entered and completed, actuals against
Havering's monthly delayed-transfers plan with variance and RAG, submission, and who
may see and change it."""

from decimal import Decimal

import pytest

from plans.models import Milestone
from returns.models import MetricReport, PlanReturn, ReturnEvent
from schemes.models import ExpenditureLine, Scheme

from .helpers import HAVERING, Q1, approved, fill_return, login, post_part, sheet_of

pytestmark = pytest.mark.django_db
Q2 = HAVERING + "2017-18-q2/"


@pytest.fixture
def havering():
    return approved("2017-19", "havering")


def test_the_list_shows_every_return_of_the_round_with_its_due_date(client, havering):
    login(client, "bhr.commissioner")
    page = client.get(HAVERING).content.decode()
    assert page.count('id="return-20') == 8
    assert "21 July 2017" in page and "Quarter 1 2017/18" in page
    assert "Overdue" in page  # the dates are long past and nothing is submitted


def test_a_draft_plan_has_no_returns_to_fill_in(client):
    login(client, "bhr.commissioner")
    page = client.get("/plans/2017-19/redbridge/returns/").content.decode()
    assert "Returns open once the plan is approved" in page
    assert (
        post_part(client, "/plans/2017-19/redbridge/returns/2017-18-q1/budget/", {}).status_code
        == 403
    )


def test_a_return_is_filled_in_part_by_part_and_submitted(client, havering):
    login(client, "bhr.commissioner")
    sheet = sheet_of(havering, "2017-18-q1")
    assert [p.part for p in sheet.parts] == [
        "budget",
        "conditions",
        "finance",
        "metrics",
        "delivery",
        "narrative",
        "sign-off",
    ]
    fill_return(client, Q1, sheet)
    page = client.get(Q1).content.decode()
    assert "You have completed 7 of 7 parts" in page
    # Apr-17: 295 delayed days ÷ 198,408 × 100,000 = 148.7, exactly the plan: green.
    april = MetricReport.objects.get(plan_return__plan=havering, period__label="Apr-17")
    assert (april.numerator, april.denominator, april.value) == (
        Decimal("295.00"),
        Decimal("198408.00"),
        Decimal("148.70"),
    )
    assert client.post(Q1 + "submit/").status_code == 302
    submitted = PlanReturn.objects.get(plan=havering, period__slug="2017-18-q1")
    assert submitted.is_submitted and submitted.submitted_by.username == "bhr.commissioner"
    assert ReturnEvent.objects.filter(plan_return=submitted, kind="submitted").count() == 1
    assert "RET-2017-19-HAVERING-2017-18-Q1" in client.get(Q1).content.decode()
    # Submitted: read-only.
    assert post_part(client, Q1 + "narrative/", {"progress": "Later"}).status_code == 403


def test_actuals_against_the_plan_give_variance_and_rag(client, havering):
    """Q2 (illustrative): Jul 410 days = 206.6 against 201.5 planned, 2.5% worse: amber;
    Aug 425 = 214.2 against 201.5, 6.3% worse: red; Sep 380 = 191.5 against 195.1: green."""
    login(client, "bhr.commissioner")
    fill_return(client, Q2, sheet_of(havering, "2017-18-q2"))
    sheet = sheet_of(havering, "2017-18-q2")
    dtoc = next(b for b in sheet.metrics if b.metric.code == "dtoc")
    shown = {
        r.period.label: (r.planned, r.actual, r.variance, r.variance_percent, r.rag)
        for r in dtoc.reported
    }
    assert shown == {
        "Jul-17": (Decimal("201.50"), Decimal("206.60"), Decimal("5.10"), Decimal("2.5"), "amber"),
        "Aug-17": (Decimal("201.50"), Decimal("214.20"), Decimal("12.70"), Decimal("6.3"), "red"),
        "Sep-17": (
            Decimal("195.10"),
            Decimal("191.50"),
            Decimal("-3.60"),
            Decimal("-1.8"),
            "green",
        ),
    }
    page = client.get(Q2).content.decode()
    assert "govuk-tag--yellow" in page and "govuk-tag--red" in page and "+12.7" in page


def test_spend_against_budget_per_scheme_and_source(client, havering):
    login(client, "bhr.commissioner")
    sheet = sheet_of(havering, "2017-18-q1")
    row = sheet.spend[0]
    forecast = (row.planned * Decimal("1.04")).quantize(Decimal("0.01"))
    data = {f"to-{row.key}": "1000", f"fc-{row.key}": str(forecast)}
    assert post_part(client, Q1 + "finance/", data, completed="no").status_code == 302
    again = next(r for r in sheet_of(havering, "2017-18-q1").spend if r.key == row.key)
    assert again.rag == "amber" and again.variance == (row.planned * Decimal("0.04")).quantize(
        Decimal("0.01")
    )


def test_completing_a_part_asks_for_what_the_round_requires(client, havering):
    login(client, "bhr.commissioner")
    response = post_part(client, Q1 + "budget/", {"section_75_in_place": "no"})
    assert response.status_code == 400
    assert "Say why the agreement is not in place" in response.content.decode()
    milestone = Milestone.objects.filter(narrative=havering.narrative).first()
    response = post_part(
        client, Q1 + "delivery/", {f"ms-{milestone.pk}-status": "slipped"}, completed="no"
    )
    assert response.status_code == 400
    assert "enter the new date for the slipped milestone" in response.content.decode()
    response = post_part(
        client,
        Q1 + "finance/",
        {f"to-{sheet_of(havering, '2017-18-q1').spend[0].key}": "lots"},
        completed="no",
    )
    assert response.status_code == 400 and "Enter an amount in pounds" in response.content.decode()
    assert not PlanReturn.objects.filter(plan=havering, section_75_in_place__isnull=False).exists()


def test_submitting_needs_every_part_complete(client, havering):
    login(client, "bhr.commissioner")
    post_part(client, Q1 + "narrative/", {"progress": "Started", "challenges": "None"})
    response = client.post(Q1 + "submit/", follow=True)
    assert "still to do: Budget arrangements" in response.content.decode()
    assert not PlanReturn.objects.get(plan=havering).is_submitted


def test_a_stale_save_is_refused_and_keeps_the_typing(client, havering):
    login(client, "bhr.commissioner")
    url = Q1 + "narrative/"
    from plans.tests.helpers import form_data

    stale = form_data(client.get(url))
    post_part(client, url, {"progress": "First", "challenges": "None"})
    stale |= {"progress": "Second", "challenges": "None", "completed": "yes"}
    response = client.post(url, stale)
    assert response.status_code == 409
    assert "Second" in response.content.decode()
    assert PlanReturn.objects.get(plan=havering).progress == "First"


def test_other_areas_and_assurers_cannot_see_drafts(client, havering):
    login(client, "bhr.commissioner")
    post_part(client, Q1 + "narrative/", {"progress": "Draft text", "challenges": "None"})
    login(client, "barnet.commissioner")
    assert client.get(HAVERING).status_code == 404
    assert client.get(Q1).status_code == 404
    login(client, "london.reviewer")  # sees the approved plan, not its draft return
    assert client.get(HAVERING).status_code == 200
    assert client.get(Q1).status_code == 404
    assert client.get(Q1 + "report.pdf").status_code == 404


def test_finance_officers_fill_in_but_only_commissioners_submit(client, havering):
    login(client, "bhr.finance")
    assert (
        post_part(client, Q1 + "narrative/", {"progress": "x", "challenges": "y"}).status_code
        == 302
    )
    assert "Submit the return" not in client.get(Q1).content.decode()
    assert client.post(Q1 + "submit/").status_code == 403


def grow(plan, schemes=30):
    source = plan.round.funding_sources.filter(parent__isnull=True).first()
    year = plan.round.years.first()
    made = Scheme.objects.bulk_create(
        Scheme(plan=plan, code=f"Z{n}", name=f"Synthetic scheme {n}", order=100 + n)
        for n in range(schemes)
    )
    ExpenditureLine.objects.bulk_create(
        ExpenditureLine(scheme=s, source=source, year=year, amount=Decimal("1000.00")) for s in made
    )
    Milestone.objects.bulk_create(
        Milestone(narrative=plan.narrative, reference=f"Z{n}", action="Synthetic", order=100 + n)
        for n in range(schemes)
    )


PAGES = [
    "",
    "2017-18-q1/",
    "2017-18-q2/",
    *[
        f"2017-18-q1/{p}/"
        for p in ("budget", "conditions", "finance", "metrics", "delivery", "narrative", "sign-off")
    ],
]


def test_query_counts_do_not_grow_with_schemes_or_periods(
    client, havering, django_assert_max_num_queries
):
    """Measured after the plan grows by 30 schemes, lines and milestones, with two
    returns filled in: the same ceilings as before."""
    login(client, "bhr.commissioner")
    fill_return(client, Q1, sheet_of(havering, "2017-18-q1"))
    grow(havering)
    fill_return(client, Q2, sheet_of(havering, "2017-18-q2"))
    for page in PAGES:
        with django_assert_max_num_queries(45):
            assert client.get(HAVERING + page).status_code == 200, page
