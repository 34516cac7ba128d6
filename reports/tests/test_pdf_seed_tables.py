"""The seeds' tables in the plan PDF's text (pdftotext): BHR 8.3 theme subtotals, the
8.4 theme x borough matrix, 8.5 ring-fences, 11.6-11.9 targets, monthly plan, baselines
and the scheme-metric map, recurrence per scheme and year; Barnet's plan details, sign-off
and risks; Lancashire's risks."""

import re
import shutil
import subprocess

import pytest

from plans.tests.helpers import login

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
]


def pdf_text(user, url):
    """(layout text, text with every run of whitespace as one space) of the plan's PDF."""
    from django.test import Client

    response = login(Client(), user).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"

    def run(*args):
        done = subprocess.run(
            ["pdftotext", *args, "-", "-"], input=response.content, capture_output=True, check=True
        )
        return done.stdout.decode()

    return run("-layout"), " ".join(run().split())


@pytest.fixture(scope="module")
def havering(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return pdf_text("bhr.commissioner", "/plans/2017-19/havering/plan.pdf")


@pytest.fixture(scope="module")
def barnet(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return pdf_text("barnet.commissioner", "/plans/2014-16/barnet/plan.pdf")


@pytest.fixture(scope="module")
def lancashire(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return pdf_text("lancashire.commissioner", "/plans/2014-16/lancashire/plan.pdf")


def row(pattern):
    """A table row as pdftotext -layout lays it out: cells separated by spaces."""
    return re.compile(r"\s+".join(re.escape(cell) for cell in pattern.split("|")))


@pytest.mark.parametrize(
    "printed",
    [
        # 8.3, columns LA / CCG minimum / iBCF / total, as the round orders its sources
        "High Impact Change Model|802|31,385|1,920|34,107",  # 2017/18
        "High Impact Change Model|802|31,942|2,011|34,755",  # 2018/19
        # 8.4: B&D / Havering / Redbridge / total
        "High Impact Change Model|10,583|13,043|10,481|34,107",
        "High Impact Change Model|11,191|12,983|10,582|34,755",
        "Total|21,759|22,660|23,990|68,408",
        "Total|24,237|24,165|26,292|74,693",
    ],
)
def test_seed_8_3_subtotals_and_8_4_matrix_are_in_the_pdf(havering, printed):
    layout, _flat = havering
    assert row(printed).search(layout), printed


def test_seed_8_5_ring_fences_are_in_the_pdf(havering):
    _layout, flat = havering
    # Havering 2017/18: social care £6,270,264 against its minimum to the pound;
    # out-of-hospital services £10,374,057 against a minimum of £4,729,895.
    for figure in ("£6,270,264", "£10,374,057", "£4,729,895", "£10,571,163"):
        assert figure in flat, figure


def test_recurrence_per_scheme_and_year_with_totals_is_in_the_pdf(havering):
    layout, flat = havering
    assert "Recurrent and non-recurrent spending of Havering (£'000)" in flat
    assert row("H1|Discharge Team").search(layout)
    assert row(
        "Total of 13 schemes|£22,660,499|£0|£22,660,499|£24,164,500|£0|£24,164,500|£46,824,999"
    ).search(layout)


def test_seed_11_6_to_11_9_are_in_the_pdf(havering):
    layout, flat = havering
    for figure in ("25,301", "25,794", "660.3", "640.8", "88.4"):  # 11.6 and 11.7
        assert figure in flat, figure
    assert row("2018/19|2,168.4").search(layout)  # 11.7 DToC, one annual figure
    assert "2,206.4" in flat  # 11.8.2 seasonally adjusted year
    assert row("Apr-17|295|198,408|148.7").search(layout)  # 235 + 60 + 0 delayed days
    assert "Baseline, 2016/17: 689 (321" in flat  # 11.4.4
    assert "Baseline, 2016/17: 26,368" in flat  # 11.2
    # 11.9: the map, each borough's own schemes
    assert "Schemes contributing to each metric" in flat
    assert "Locality Teams; Assistive Technologies; Carers; Demand Management" in flat


def test_milestones_and_hicm_rows_are_in_the_pdf(havering):
    _layout, flat = havering
    assert "Resubmission, if needed" in flat and "31 Oct 2017" in flat
    assert "How we will know it worked" in flat
    assert "Fewer admissions from care homes." in flat


def test_barnet_plan_details_sign_off_and_risks_are_in_the_pdf(barnet):
    layout, flat = barnet
    assert row("2014/15|£6,634,000|£6,634,000").search(layout)
    assert row("2015/16|£23,412,000|£24,213,247").search(layout)
    assert "20 March 2014" in flat
    for name in ("John Morton", "Cllr Sachin Rajput", "Councillor Helena Hart"):
        assert name in flat, name
    risks = flat[flat.rindex("Risk log") :]
    assert risks.count("High") == 5
    assert "The Care Bill will raise the cost of care" in risks
    assert "Barnet, Enfield & Haringey Clinical Strategy" in flat


def test_lancashire_risks_are_in_the_pdf(lancashire):
    _layout, flat = lancashire
    risks = flat[flat.rindex("Risk log") :]
    assert risks.count("Medium") == 3 and risks.count("High") == 1
    assert "move money out of acute and nursing care" in risks
    assert "E5 Patient stories" in flat
