"""The plan PDF's pages as a board would publish them, read page by page with
pdftotext: the area's own name on a joint plan's cover, sections that flow on from
each other, plan details, sign-off and related documents, finance on landscape pages."""

import re
import shutil
import subprocess

import pytest

from plans.tests.helpers import login

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
]

HAVERING = "/plans/2017-19/havering/plan.pdf"


def run(*command, data=None):
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker):
    """[(text, (width, height))] of each page of Havering's PDF."""
    from django.test import Client

    with django_db_blocker.unblock():
        response = login(Client(), "bhr.commissioner").get(HAVERING)
    assert response.status_code == 200
    pdf = response.content
    count = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", "-", data=pdf)).group(1))
    found = []
    for number in range(1, count + 1):
        limits = ("-f", str(number), "-l", str(number))
        body = run("pdftotext", "-layout", *limits, "-", "-", data=pdf)
        info = run("pdfinfo", *limits, "-", data=pdf)
        width, height = re.search(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info).groups()
        found.append((body, (float(width), float(height))))
    return found


def body_lines(text):
    """The page's lines without its running header, page number and watermark."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [
        line
        for line in lines
        if not re.fullmatch(r"Page \d+ of \d+", line)
        and not line.startswith("Havering Better Care Fund plan ")
        and line != "Draft"
    ]


def test_a_joint_plans_cover_carries_the_areas_own_name(pages):
    cover = body_lines(pages[0][0])
    assert cover[0] == "Havering Better Care Fund plan"
    assert "Havering Health and Wellbeing Board" in cover
    joined = " ".join(cover)
    assert "Part of the joint plan" in joined  # the joint plan is named, second


def test_no_page_holds_only_a_heading_and_a_sentence(pages):
    # The 22 pages of a page per section are gone; the seed's full tables (theme subtotals
    # and the borough matrix per year, recurrence, the 11.9 map, 24 milestones) take 20.
    assert len(pages) <= 21
    for number, (text, _size) in enumerate(pages[1:], 2):
        assert len(body_lines(text)) > 3, (number, body_lines(text))


def test_finance_tables_are_on_landscape_pages(pages):
    finance = [size for text, size in pages if "Expenditure by theme, scheme and source" in text]
    assert finance
    assert all(width > height for width, height in finance)
    narrative = [size for text, size in pages if "Vision and approach to integration" in text]
    assert all(width < height for width, height in narrative[1:])  # past the contents


def test_plan_details_sign_off_and_related_documents_are_included(pages):
    everything = "\n".join(text for text, _size in pages)
    for heading in ("Plan details", "Sign-off", "Pooled budget", "Date agreed at the Health"):
        assert heading in everything, heading
    details = next(text for text, _size in pages if "Clinical commissioning groups" in text)
    assert "Havering" in details
    # Seed 8.4: Havering's pool in 2017/18, beside its minimum.
    assert "£22,660,499" in details
