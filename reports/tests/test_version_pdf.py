"""A submitted version as a PDF (issue 18): everything its snapshot holds, from the
snapshot alone, for whoever may see the plan, with the finance on landscape pages."""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from assurance.snapshot import take_snapshot
from finance import selectors
from plans.models import NarrativeAnswer, Plan, PlanVersion, SignOff
from plans.tests.helpers import login, plan

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
]

PDF = "/plans/2017-19/havering/versions/1/plan.pdf"
CHAIR = "Cllr Jane Whitfield"


def run(*command, data):
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def havering():
    the_plan = plan("2017-19", "havering")
    SignOff.objects.filter(plan=the_plan, role__slug="hwb-chair").update(signed_by=CHAIR)
    snapshot = take_snapshot(the_plan)
    snapshot["plan"]["status"] = Plan.Status.SUBMITTED
    PlanVersion.objects.create(plan=the_plan, number=1, snapshot=snapshot)
    Plan.objects.filter(pk=the_plan.pk).update(status=Plan.Status.SUBMITTED)
    return the_plan


def test_the_pdf_holds_the_whole_version(havering, client):
    NarrativeAnswer.objects.filter(narrative=havering.narrative, section__slug="vision").update(
        text="Changed after submission."
    )
    login(client, "london.reviewer")
    response = client.get(PDF)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="bcf-2017-19-havering-v1.pdf"' in response["Content-Disposition"]
    pdf = response.content
    info = run("pdfinfo", "-f", "1", "-l", "99", "-", data=pdf)
    assert "Tagged:          yes" in info
    assert "Title:           Havering Better Care Fund plan, version 1" in info
    sizes = re.findall(r"Page +\d+ size: +([\d.]+ x [\d.]+)", info)
    assert "595.276 x 841.89" in sizes and "841.89 x 595.276" in sizes  # A4, some landscape
    body = run("pdftotext", "-layout", "-", "-", data=pdf)  # table rows on one line
    flat = " ".join(run("pdftotext", "-", "-", data=pdf).split())  # wrapped cells joined
    spend = selectors.expenditure_by_area([havering])["havering"]
    income = selectors.income_by_area([havering])["havering"]
    for text in (
        "version 1",
        "NHS Havering CCG",
        "8 September 2017",
        "Has the plan been agreed by the HWB chair",
        f"£{income[2017]:,.0f}",
        f"£{sum(income.values()):,.0f}",
        f"£{sum(spend.values()):,.0f}",
        "£22,660,499",  # seed 8.4: Havering 2017/18, 22,660 (£'000)
        "£46,824,999",
        "£1,553,178",  # DFG 2017/18
        "H1 Discharge Team",
        "£600,000",  # its CCG minimum line, 2017/18
        "Seasonally adjusted (the plan)",
        "Delayed transfers of care",
        "Early discharge planning",
        CHAIR,
        "Debbie Middleton",
    ):
        assert text in flat, text
    assert sum(spend.values()) == Decimal("46824999")
    # Seed 11.8.2, Havering seasonally adjusted April 2017: 235 + 60 + 0 = 295 days, 148.7
    assert re.search(r"Apr-17 +235\.0 +60\.0 +0\.0 +295\.0 +198,408 +148\.7", body)
    # Risks with likelihood, impact and L×I: BHR 1 is 4 × 4, BHR 9 is 4 × 1.
    assert re.search(r"BHR 1 .*\b4 +4 +16\b", body)
    assert re.search(r"BHR 9 .*\b4 +1 +4\b", body)
    assert "Changed after submission." not in flat


def test_only_those_who_may_see_the_plan_get_the_pdf(havering, client):
    assert client.get(PDF).status_code == 302  # to sign in
    login(client, "barnet.commissioner")
    assert client.get(PDF).status_code == 404
    login(client, "bhr.commissioner")
    assert client.get("/plans/2017-19/havering/versions/2/plan.pdf").status_code == 404


def test_a_joint_lead_provider_is_in_the_version_pdf_and_the_api(client):
    from rest_framework.authtoken.models import Token

    from schemes.models import Scheme

    the_plan = plan("2017-19", "havering")
    Scheme.objects.filter(plan=the_plan, code="H1").update(
        lead_provider="NELFT", joint_lead_provider="London Borough of Havering"
    )
    PlanVersion.objects.create(plan=the_plan, number=1, snapshot=take_snapshot(the_plan))
    Plan.objects.filter(pk=the_plan.pk).update(status=Plan.Status.SUBMITTED)
    login(client, "london.reviewer")
    flat = " ".join(run("pdftotext", "-", "-", data=client.get(PDF).content).split())
    assert "Lead provider: NELFT and London Borough of Havering (joint)" in flat
    token = Token.objects.create(user_id=client.session["_auth_user_id"])
    client.logout()
    found = client.get(
        f"/api/schemes/?plan={the_plan.pk}", HTTP_AUTHORIZATION=f"Token {token.key}"
    ).json()["results"]
    h1 = next(s for s in found if s["code"] == "H1")
    assert (h1["lead_provider"], h1["joint_lead_provider"]) == (
        "NELFT",
        "London Borough of Havering",
    )
