"""The demo holds every row the seeds print: risks with their mitigations, HICM actions
and measures, every milestone row, related documents, baselines and named signatories."""

import datetime
from decimal import Decimal

import pytest

from metrics.models import MetricBaseline
from plans.models import Plan, SignOff
from plans.tests.helpers import login

pytestmark = pytest.mark.django_db


def narrative(round_slug, area_slug):
    return Plan.objects.get(round__slug=round_slug, area__slug=area_slug).narrative


def test_barnet_has_its_five_high_risks_each_with_a_mitigation():
    risks = list(narrative("2014-16", "barnet").risks.all())
    assert [r.reference for r in risks] == ["1", "2", "3", "4", "5"]
    assert {r.rating for r in risks} == {"high"}
    assert all(r.mitigation for r in risks)
    assert "Care Bill" in risks[4].description


def test_lancashire_has_its_four_rated_risks_and_two_ccg_sign_offs():
    risks = list(narrative("2014-16", "lancashire").risks.all())
    assert [r.rating for r in risks] == ["medium", "medium", "medium", "high"]
    assert all(r.mitigation for r in risks)
    ccgs = SignOff.objects.filter(
        plan__round__slug="2014-16", plan__area__slug="lancashire", role__slug="ccg"
    ).values_list("organisation", flat=True)
    assert sorted(ccgs) == ["NHS Chorley and South Ribble CCG", "NHS Greater Preston CCG"]


def test_related_documents_of_every_seed():
    barnet = list(narrative("2014-16", "barnet").related_documents.all())
    assert len(barnet) == 13 and barnet[0].title == "Barnet Health and Social Care Concordat"
    lancashire = narrative("2014-16", "lancashire").related_documents.all()
    assert [d.reference for d in lancashire] == ["E1", "E2", "E3", "E4", "E5"]
    bhr = list(narrative("2017-19", "havering").related_documents.all())
    assert len(bhr) == 9
    assert sum(1 for d in bhr if d.link.startswith("http")) == 5


def test_bhr_risk_log_keeps_all_sixteen_scores_and_own_mitigations():
    risks = list(narrative("2017-19", "havering").risks.all())
    assert len(risks) == 16
    assert [r.score for r in risks] == [16, 8, 8, 12, 12, 8, 8, 12, 4, 9, 12, 16, 6, 9, 6, 12]
    assert [r.rating for r in risks].count("red") == 3
    mitigations = [r.mitigation for r in risks]
    assert all(mitigations) and len(set(mitigations)) == 16


def test_bhr_hicm_rows_have_actions_dates_and_success_measures():
    rows = list(narrative("2017-19", "havering").hicm_assessments.select_related("change"))
    assert len(rows) == 8
    assert all(r.actions and r.success_measures and r.due for r in rows)
    assert [r.due for r in rows].count("October 2017") == 4
    assert rows[0].change.name == "Early discharge planning" and "Red to Green" in rows[0].actions


def test_bhr_milestones_hold_every_row_including_the_resubmission():
    rows = list(narrative("2017-19", "havering").milestones.select_related("year"))
    assert len(rows) == 24
    resubmission = next(r for r in rows if r.reference == "1c (ii)")
    assert resubmission.due_date == datetime.date(2017, 10, 31)
    assert resubmission.year.start_year == 2017
    quarterly = [r.due_date for r in rows if r.reference == "3a" and r.due_date]
    assert quarterly == [
        datetime.date(2017, 7, 21),
        datetime.date(2017, 10, 20),
        datetime.date(2018, 1, 20),
        datetime.date(2018, 4, 21),
    ]
    assert sum(1 for r in rows if r.year.start_year == 2018) == 9
    assert all(r.due_date or r.due_note for r in rows)


@pytest.mark.parametrize(
    ("area", "role", "name"),
    [
        ("barking-and-dagenham", "hwb-chair", "Cllr Maureen Worby"),
        ("havering", "dass", "Barbara Nicholls"),
        ("redbridge", "ccg", "Gina Shakespeare"),
        ("barking-and-dagenham", "s151", "Claire Symonds"),
        ("redbridge", "s151", "Redbridge s151 (demo)"),  # the seed names nobody
    ],
)
def test_bhr_sign_offs_name_the_seed_signatories(area, role, name):
    signed = SignOff.objects.filter(
        plan__round__slug="2017-19", plan__area__slug=area, role__slug=role
    ).values_list("signed_by", flat=True)
    assert set(signed) == {name}


@pytest.mark.parametrize(
    ("area", "metric", "value", "count"),
    [
        ("barking-and-dagenham", "non-elective-admissions", "19674", None),
        ("redbridge", "non-elective-admissions", "23493", None),
        ("barking-and-dagenham", "permanent-admissions-65", "686.0", "145"),
        ("barking-and-dagenham", "reablement-91-days", "88.6", None),
        ("redbridge", "dtoc", "1712", None),
    ],
)
def test_bhr_baselines_are_the_printed_2016_17_outturns(area, metric, value, count):
    baseline = MetricBaseline.objects.get(
        plan__round__slug="2017-19", plan__area__slug=area, metric__code=metric
    )
    assert baseline.period_label == "2016/17"
    assert baseline.value == (Decimal(value) if value else None)
    assert baseline.numerator == (Decimal(count) if count else None)


def test_the_pages_show_the_new_rows(client):
    login(client, "bhr.commissioner")
    base = "/plans/2017-19/havering/sections/"
    milestones = client.get(base + "milestones/").content.decode()
    assert "Resubmission, if needed" in milestones and "iBCF quarterly reporting: Q4" in milestones
    hicm = client.get(base + "hicm/").content.decode()
    assert "Fewer admissions from care homes." in hicm
    login(client, "barnet.commissioner")
    risks = client.get("/plans/2014-16/barnet/sections/risks/").content.decode()
    assert "The Care Bill will raise the cost of care" in risks


@pytest.mark.parametrize(
    ("area", "agreed"),
    [
        ("barking-and-dagenham", datetime.date(2017, 9, 6)),
        ("havering", datetime.date(2017, 9, 8)),
        ("redbridge", datetime.date(2017, 9, 4)),
    ],
)
def test_bhr_boards_agreed_on_their_own_dates_and_signed_then(area, agreed):
    the_plan = Plan.objects.get(round__slug="2017-19", area__slug=area)
    assert the_plan.date_agreed_at_hwb == agreed
    assert set(the_plan.sign_offs.values_list("signed_on", flat=True)) == {agreed}
