"""A version's page shows everything its snapshot holds, as submitted (issue 18):
plan details, national conditions, income, schemes and their lines, metrics with the
monthly delayed transfers, risks with L×I, milestones, HICM and sign-offs. Totals are
added up from the snapshot's lines and agree with the finance selectors."""

import json
from decimal import Decimal

import pytest

from assurance.as_submitted import as_submitted, present
from assurance.snapshot import take_snapshot
from assurance.version_diff import diff_snapshots
from demo.data.bhr_rows import RISKS
from finance import selectors
from plans.models import NarrativeAnswer, Plan, PlanVersion, SignOff
from plans.tests.helpers import login, plan
from schemes.models import ExpenditureLine

pytestmark = pytest.mark.django_db
PAGE = "/plans/2017-19/havering/versions/1/"
CHAIR = "Cllr Jane Whitfield"
# Keys a snapshot gained for this page; older snapshots lack them and must still render.
NEW_KEYS = (
    "section_titles",
    "condition_questions",
    "funding_sources",
    "metric_definitions",
    "metric_component_names",
    "trajectories",
)


def version_of(the_plan, number=1, snapshot=None):
    """A submitted version as assurance.actions.submit records it (without its rule
    gate: the seed's 2018/19 delayed transfers months are missing)."""
    snapshot = snapshot or take_snapshot(the_plan)
    snapshot["plan"]["status"] = Plan.Status.SUBMITTED
    version = PlanVersion.objects.create(plan=the_plan, number=number, snapshot=snapshot)
    Plan.objects.filter(pk=the_plan.pk).update(status=Plan.Status.SUBMITTED)
    return version


@pytest.fixture
def havering():
    the_plan = plan("2017-19", "havering")
    SignOff.objects.filter(plan=the_plan, role__slug="hwb-chair").update(signed_by=CHAIR)
    return the_plan


@pytest.fixture
def version(havering):
    return version_of(havering)


def test_the_snapshot_is_plain_json_with_the_rounds_wording(havering):
    snapshot = take_snapshot(havering)
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["plan"]["ccgs"] == ["NHS Havering CCG"]
    assert snapshot["plan"]["date_agreed_at_hwb"] == "2017-09-08"
    assert snapshot["plan"]["round_name"] == havering.round.name
    assert {"condition": "1", "question": "jointly-agreed"}.items() <= next(
        q for q in snapshot["condition_questions"] if q["question"] == "jointly-agreed"
    ).items()
    assert {"metric": "dtoc", "name": "Seasonally adjusted", "is_plan": "True"} in snapshot[
        "trajectories"
    ]
    dfg = next(
        i
        for i in snapshot["income"]
        if i["source"] == "Disabled Facilities Grant" and i["year"] == "2017"
    )
    assert dfg["amount"] == "1553178.00"  # Decimal kept as its string


def test_the_rows_version_diff_compares_keep_their_fields(havering):
    """New parts are new keys: a version taken before them differs in nothing."""
    new = take_snapshot(havering)
    old = {k: v for k, v in new.items() if k not in NEW_KEYS}
    assert diff_snapshots(old, new).is_empty
    assert set(new["risks"][0]) == {
        "reference",
        "description",
        "likelihood",
        "impact",
        "mitigation",
        "rating",
    }


def test_totals_come_from_the_lines_and_agree_with_the_finance_selectors(version, havering):
    doc = as_submitted(version)
    income = selectors.income_by_area([havering])["havering"]
    spend = selectors.expenditure_by_area([havering])["havering"]
    assert [y.label for y in doc.years] == ["2017/18", "2018/19"]
    assert doc.income.totals == [income[2017], income[2018]]
    assert doc.expenditure.totals == [spend[2017], spend[2018]]
    assert doc.income_total == sum(income.values()) == Decimal("46824999")
    assert doc.expenditure_total == sum(spend.values())
    # Seed 8.4: Havering's 2017/18 grand total is 22,660 (£'000); the lines give £22,660,499.
    assert doc.expenditure.totals[0] == Decimal("22660499")
    dfg = next(row for row in doc.income.rows if row.label == "Disabled Facilities Grant")
    assert dfg.by_year == [Decimal("1553178"), Decimal("1679938")]
    h1 = doc.schemes[0]
    assert (h1.code, h1.name, h1.total) == ("H1", "Discharge Team", Decimal("1449001"))
    assert sum((s.total for s in doc.schemes), Decimal(0)) == doc.expenditure_total


def test_risks_are_scored_likelihood_times_impact(version):
    doc = as_submitted(version)
    assert doc.risks_scored
    assert [(r.reference, r.likelihood, r.impact, r.score) for r in doc.risks] == [
        (ref, lik, imp, lik * imp) for ref, _t, _m, lik, imp, _r in RISKS
    ]
    assert (doc.risks[11].reference, doc.risks[11].score, doc.risks[11].rating) == (
        "BHR 12",
        16,
        "Red",
    )


def test_metrics_keep_the_monthly_delayed_transfers(version):
    doc = as_submitted(version)
    dtoc = next(m for m in doc.metrics if m.code == "dtoc")
    plan_series, flat = dtoc.trajectories
    assert (plan_series.name, plan_series.is_plan, flat.is_plan) == (
        "Seasonally adjusted",
        True,
        False,
    )
    assert plan_series.components == [
        "NHS attributed delayed days",
        "Social care attributed delayed days",
        "Jointly attributed delayed days",
    ]
    april = plan_series.rows[0]
    # Seed 11.8.2: Havering, April 2017, seasonally adjusted: 235 + 60 + 0 days, 148.7.
    assert (april.period, april.components, april.numerator, april.value) == (
        "Apr-17",
        ["235.0", "60.0", "0.0"],
        "295.0",
        "148.7",
    )
    assert april.denominator == "198,408"
    nea = next(m for m in doc.metrics if m.code == "non-elective-admissions")
    assert [(r.period, r.value) for r in nea.trajectories[0].rows] == [
        ("2017/18", "25,301"),
        ("2018/19", "25,794"),
    ]


def test_conditions_details_and_sign_offs(version):
    doc = as_submitted(version)
    details = {d.key: d.value for d in doc.details}
    assert details["Clinical Commissioning Groups"] == "NHS Havering CCG"
    assert details["Date agreed at the Health and Wellbeing Board"] == "8 September 2017"
    assert details["Status"] == "Submitted"
    first = doc.conditions[0]
    assert (first.code, first.title) == ("1", "A jointly agreed plan")
    assert first.questions[0].text.startswith("Has the plan been agreed by the HWB chair")
    assert first.questions[0].answer == "Yes"
    assert [s["signed_by"] for s in doc.sign_offs] == [
        CHAIR,
        "Barbara Nicholls",  # seed section 13
        "Gina Shakespeare",
        "Debbie Middleton",
    ]
    assert [m["reference"] for m in doc.milestones][:3] == ["1a", "1a", "1b"]
    assert doc.hicm[0]["change"] == "Early discharge planning"


def test_the_page_shows_what_was_submitted(version, client, django_assert_max_num_queries):
    login(client, "bhr.commissioner")
    with django_assert_max_num_queries(12):
        response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "exactly as submitted" in page
    for text in (
        "NHS Havering CCG",
        "8 September 2017",
        "Has the plan been agreed by the HWB chair",
        "£22,660,499",  # 2017/18 income and expenditure
        "£46,824,999",  # both years
        "£1,553,178",  # DFG 2017/18
        "£1,449,001",  # H1 Discharge Team
        "Seasonally adjusted (the plan)",
        "Flat projection (an alternative trajectory, not the plan)",
        "Apr-17",
        "148.7",
        "BHR 12",
        "Score (L×I)",
        CHAIR,
        "Debbie Middleton",
        "Early discharge planning",
        'class="app-table-scroll"',
        'href="#risks"',
        'id="risks"',
        'href="/plans/2017-19/havering/versions/1/plan.pdf"',
        'href="/plans/2017-19/havering/versions/1/changes/"',
        'href="/plans/2017-19/havering/versions/"',
    ):
        assert text in page, text
    assert "<strong>16</strong>" in page  # BHR 1 and BHR 12: 4 × 4


def test_pence_show_only_when_there_are_pence(havering, client):
    line = ExpenditureLine.objects.filter(scheme__plan=havering, scheme__code="H1").first()
    line.amount += Decimal("0.50")
    line.save()
    version_of(havering)
    login(client, "bhr.commissioner")
    page = client.get(PAGE).content.decode()
    assert f"£{line.amount:,.2f}" in page
    assert "£22,660,499.50" in page and "£24,164,500<" in page


def test_the_version_ignores_later_changes(version, havering, client):
    NarrativeAnswer.objects.filter(narrative=havering.narrative, section__slug="vision").update(
        text="Changed after submission."
    )
    ExpenditureLine.objects.filter(scheme__plan=havering).delete()
    login(client, "bhr.commissioner")
    page = client.get(PAGE).content.decode()
    assert "Changed after submission." not in page
    assert "£46,824,999" in page


def test_an_older_snapshot_still_renders(havering, client):
    snapshot = take_snapshot(havering)
    for key in NEW_KEYS:
        del snapshot[key]
    for key in ("ccgs", "round_name", "risks_scored"):
        del snapshot["plan"][key]
    version_of(havering, snapshot=snapshot)
    login(client, "bhr.commissioner")
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vision and approach to integration" in page  # titles from the round
    assert "Has the plan been agreed by the HWB chair" in page
    assert "Not kept with this version" in page  # the CCGs were not kept
    assert "£46,824,999" in page and "BHR 12" in page


def test_a_snapshot_with_almost_nothing_renders():
    doc = present({"plan": {"area_name": "Nowhere"}})
    assert doc.income_total == doc.expenditure_total == 0
    assert doc.years == doc.schemes == doc.risks == []


def test_only_those_who_may_see_the_plan_see_the_version(version, client):
    login(client, "barnet.commissioner")
    assert client.get(PAGE).status_code == 404
    login(client, "london.reviewer")
    assert client.get(PAGE).status_code == 200
    assert client.get("/plans/2017-19/havering/versions/9/").status_code == 404
