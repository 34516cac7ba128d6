"""The plan as a PDF: headings, seed totals, contents page numbers, a tagged PDF/UA
document, pages that render to images, and access rules."""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from plans.downloads import build_download
from plans.models import Download
from plans.tests.helpers import login, plan
from schemes.models import ExpenditureLine, Scheme

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
]

HAVERING = "/plans/2017-19/havering/plan.pdf"


def run(*command, data=None):
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout


def text(pdf, first=None, last=None):
    pages = ["-f", str(first), "-l", str(last)] if first else []
    return run("pdftotext", "-layout", *pages, "-", "-", data=pdf).decode()


@pytest.fixture(scope="module")
def havering_pdf(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        client = login(Client(), "bhr.finance")
        response = client.get(HAVERING)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_the_pdf_is_a_tagged_titled_document(havering_pdf):
    info = run("pdfinfo", "-", data=havering_pdf).decode()
    assert "Tagged:          yes" in info
    assert "Title:           Havering Better Care Fund plan" in info
    assert "Page size:       595.276 x 841.89 pts (A4)" in info


def test_every_heading_and_the_seed_totals_are_in_the_text(havering_pdf):
    body = text(havering_pdf)
    for heading in (
        "Overview and local context",
        "Vision and approach to integration",
        "Governance",
        "National conditions",
        "Income and expenditure",
        "Schemes",
        "Metrics",
        "Risk log",
        "Milestones",
        "High Impact Change Model self-assessment",
        "Sign-off",
    ):
        assert heading in body, heading
    # Seed 8.3 column totals (£'000) and 8.5.2 Havering protection of social care.
    for figure in ("46,986", "14,432", "6,991", "68,408", "74,693", "£6,270,264"):
        assert figure in body, figure
    assert "Draft" in body  # watermark until submitted
    assert "2,206.4" in body  # Havering's seasonally adjusted DToC year


def test_contents_page_numbers_match_the_pages(havering_pdf):
    contents = text(havering_pdf, 2, 2)
    entries = re.findall(r"^\s*(\S.*?)\s?\.{3,}\s*(\d+)\s*$", contents, re.M)
    assert len(entries) >= 12
    for title, page in entries:
        assert title.strip() in text(havering_pdf, int(page), int(page)), (title, page)


def test_a_page_renders_to_an_image(havering_pdf, tmp_path):
    run(
        "pdftoppm",
        "-r",
        "40",
        "-png",
        "-f",
        "1",
        "-l",
        "1",
        "-",
        str(tmp_path / "page"),
        data=havering_pdf,
    )
    [image] = list(tmp_path.glob("page*.png"))
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 1000


def test_other_areas_cannot_read_the_pdf(client):
    login(client, "barnet.commissioner")
    assert client.get(HAVERING).status_code == 404
    login(client, "london.reviewer")
    assert client.get(HAVERING).status_code == 404  # a draft


def test_a_large_plan_renders_every_scheme(client):
    """200 schemes and 2,000 lines, prepared in the background (the time goes in
    bench/, not here)."""
    the_plan = plan("2014-16", "lancashire")
    round_ = the_plan.round
    sources = list(round_.funding_sources.filter(parent__isnull=True))
    years = list(round_.years.all())
    schemes = Scheme.objects.bulk_create(
        Scheme(plan=the_plan, code=f"L{n:03d}", name=f"Synthetic scheme {n}", order=n)
        for n in range(200)
    )
    ExpenditureLine.objects.bulk_create(
        ExpenditureLine(
            scheme=s, source=sources[n % len(sources)], year=years[n % 2], amount=Decimal("1000.00")
        )
        for s in schemes
        for n in range(10)
    )
    login(client, "lancashire.commissioner")
    url = "/plans/2014-16/lancashire/plan.pdf"
    assert client.get(url)["Location"] == url + "/prepare/"
    download = Download.objects.get(pk=client.post(url + "/prepare/")["Location"].split("/")[2])
    build_download.call(str(download.pk))  # what the worker does
    response = client.get(f"/downloads/{download.pk}/file")
    body = text(b"".join(response.streaming_content))
    assert "L000" in body and "L199" in body
    assert "£10,000" in body  # each scheme: 10 lines of £1,000
    assert body.count("£1,000,000") >= 2  # each year: 1,000 lines of £1,000
