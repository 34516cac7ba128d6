"""Quarterly returns after approval, in chromium (issue 21): Havering's commissioner
fills every part of the quarter 1 2017/18 return in the web forms and submits it; its
finance officer fills quarter 2 in the Excel template (a bad file first: refused,
nothing written), the commissioner submits it; a national approver then sees both as
submitted on /returns/ and on the national overview.

Havering's quarter 1 delayed days are the out-turn its plan took in (seed 11.8.2:
Apr 295, May 288, Jun 307, so the actuals equal the plan: green); quarter 2's days
and every return's money are illustrative (returns/tests/helpers.py)."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from returns.models import IncomeReport, MetricReport, PlanReturn, ReturnUpload
from returns.tests.helpers import HAVERING_DAYS, answers, approved, sheet_of

from .conftest import settle, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

RETURNS = "/plans/2017-19/havering/returns/"
Q1, Q2 = RETURNS + "2017-18-q1/", RETURNS + "2017-18-q2/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fill_part(page, values):
    """Type the part's answers into its page as a person would, mark it complete, save."""
    for name, value in values.items():
        field = page.locator(f'[name="{name}"]')
        kind = field.first.get_attribute("type")
        if kind == "radio":
            page.locator(f'[name="{name}"][value="{value}"]').check()
        elif field.first.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_label("Yes, I've completed this section").check()
    page.get_by_role("button", name="Save and return to the return").click()


def by_web(page, site, screenshot, sheet):
    page.goto(site + Q1)
    for status in sheet.parts:
        page.get_by_role("link", name=status.title, exact=True).click()
        if status.part in ("finance", "metrics"):
            screenshot(page, f"returns-part-{status.part}")
        fill_part(page, answers(sheet, status.part))
        expect(page.get_by_text(f"{status.title}: saved.")).to_be_visible()
    expect(page.get_by_text("You have completed 7 of 7 parts")).to_be_visible()
    # Apr-17: 295 days ÷ 198,408 people × 100,000 = 148.7, exactly the plan.
    april = page.locator("#actuals-dtoc tr", has_text="Apr-17")
    expect(april).to_contain_text("148.7")
    expect(april.locator("td").nth(2)).to_have_text("0.0")
    expect(april).to_contain_text("Green")
    screenshot(page, "returns-q1-complete")
    page.get_by_role("button", name="Submit the return").click()
    expect(page.get_by_text("Its reference is RET-2017-19-HAVERING-2017-18-Q1")).to_be_visible()
    expect(page.locator("#return-status")).to_contain_text("Submitted")
    screenshot(page, "returns-q1-submitted")


def download(page, site):
    page.goto(site + Q2 + "upload/")
    with page.expect_download() as info:
        page.get_by_role(
            "link", name="Download the return template filled in with this plan"
        ).click()
    assert info.value.suggested_filename == "bcf-return-2017-19-havering-2017-18-q2.xlsx"
    return Path(info.value.path()).read_bytes()


def filled(data, bad=False):
    """The quarter 2 template filled in as in Excel; `bad`: as a tired officer would."""
    book = load_workbook(io.BytesIO(data))
    answers = {
        "Budget": {"section_75_in_place": "Yes", "section_75_signed_on": "31/03/2017"},
        "Narrative": {"progress": "Trusted assessors on every ward.", "challenges": "Summer."},
        "Sign-off": {"signed_by": "Board chair", "signed_position": "Chair"},
    }
    for name, values in answers.items():
        for row in book[name].iter_rows(min_row=2):
            if row[0].value in values:
                row[2].value = values[row[0].value]
    for row in book["Sign-off"].iter_rows(min_row=2):
        if row[0].value == "signed_on":
            row[2].value = "13/10/2017"
    for row in book["Conditions"].iter_rows(min_row=2):
        row[3].value = "Yes"
    for row in book["Finance"].iter_rows(min_row=2):
        planned = row[3].value
        row[4].value, row[5].value = round(planned / 2, 2), planned
    for row in book["Metrics"].iter_rows(min_row=2):
        metric, period = row[0].value.split("|")
        if metric == "dtoc":
            row[4].value = float(HAVERING_DAYS[period])
    for row in book["Delivery"].iter_rows(min_row=2):
        row[4].value = "On track" if row[0].value.startswith("ms") else "Green"
    if bad:
        book["Finance"]["E2"] = "about half"
        book["Finance"]["F2"] = "=D2*2"
        book["Conditions"]["D2"] = "Maybe"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(page, site, data, name):
    page.goto(site + Q2 + "upload/")
    page.locator("input[name=template]").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}]
    )
    page.get_by_role("button", name="Upload and check").click()


def by_excel(page, site, screenshot, commissioner):
    template = download(page, site)
    upload(page, site, filled(template, bad=True), "q2-tired.xlsx")
    problems = page.locator("#upload-problems")
    expect(problems).to_contain_text("The return template was not imported")
    expect(problems).to_contain_text("Nothing in the return has changed")
    table = page.locator("#problems")
    expect(table.locator("tr", has_text="E2")).to_contain_text("Enter")
    expect(table.locator("tr", has_text="F2")).to_contain_text("formula")
    expect(table.locator("tr", has_text="D2")).to_contain_text("yes or no")
    screenshot(page, "returns-upload-refused")
    assert not PlanReturn.objects.filter(period__slug="2017-18-q2").exists()
    assert not IncomeReport.objects.filter(plan_return__period__slug="2017-18-q2").exists()
    assert ReturnUpload.objects.get().outcome == ReturnUpload.Outcome.REFUSED

    upload(page, site, filled(template), "q2.xlsx")
    expect(page.get_by_text(re.compile(r"Return template imported \(RU-\d{6}\)"))).to_be_visible()
    expect(page.get_by_text("You have completed 7 of 7 parts")).to_be_visible()
    # The finance officer fills the return in; only a commissioner may submit it.
    expect(page.get_by_role("button", name="Submit the return")).to_have_count(0)

    commissioner.goto(site + Q2)
    dtoc = commissioner.locator("#actuals-dtoc")
    # Jul 410 days = 206.6 against 201.5 planned (+2.5%): amber; Aug 425 = 214.2, red.
    expect(dtoc.locator("tr", has_text="Jul-17")).to_contain_text("+5.1")
    expect(dtoc.locator("tr", has_text="Jul-17")).to_contain_text("Amber")
    expect(dtoc.locator("tr", has_text="Aug-17")).to_contain_text("+12.7")
    expect(dtoc.locator("tr", has_text="Aug-17")).to_contain_text("Red")
    screenshot(commissioner, "returns-q2-imported")
    commissioner.get_by_role("button", name="Submit the return").click()
    expect(
        commissioner.get_by_text("Its reference is RET-2017-19-HAVERING-2017-18-Q2")
    ).to_be_visible()
    august = MetricReport.objects.get(
        plan_return__period__slug="2017-18-q2", period__label="Aug-17"
    )
    assert (august.numerator, str(august.value)) == (425, "214.20")


def nationally(page, site, screenshot):
    page.goto(site + "/returns/?round=2017-19&period=2017-18-q2")
    row = page.locator("#areas tr", has_text="Havering")
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text("Red")  # DToC's worst period in quarter 2: August
    # One plan in delivery owes eight returns so far: two submitted, six overdue.
    regions = page.locator("#regions tr", has_text="London").locator("td")
    expect(regions).to_have_text(["1", "8", "2", "6", "0"])
    screenshot(page, "returns-national")
    page.goto(site + "/overview/?round=2017-19")
    panel = page.locator("#overview-returns")
    for label in ("Quarter 1 2017/18", "Quarter 2 2017/18"):
        cells = panel.locator("tr", has_text=label).locator("td")
        expect(cells).to_have_text([re.compile(r"\d+ \w+ 2017"), "1", "1", "0"])
    expect(panel.locator("tr", has_text="Quarter 3 2017/18").locator("td").nth(3)).to_have_text("1")
    screenshot(page, "returns-overview")
    panel.get_by_role("link", name="Quarter 1 2017/18").click()
    expect(page.locator("#areas tr", has_text="Havering")).to_contain_text("Submitted")
    # The approver spots a slip and reopens quarter 1 for correction, saying why.
    page.locator("#areas").get_by_role("link", name="Havering").click()
    page.get_by_label("Reopen this return for correction").fill("Enter spend to date, not budget.")
    page.get_by_role("button", name="Reopen the return").click()
    expect(page.get_by_text("Quarter 1 2017/18 return reopened.")).to_be_visible()
    # A return in progress is the area's: the approver is back on the national page.
    expect(page.locator("#areas tr", has_text="Havering")).to_contain_text("Overdue")
    screenshot(page, "returns-reopened")


def test_a_quarterly_return_by_web_and_by_excel_shows_nationally(
    page, browser, site, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # uploaded returns are kept; not in the working tree
    havering = approved("2017-19", "havering")
    sign_in(page, site, "bhr.commissioner")
    page.goto(site + RETURNS)
    expect(page.locator("main")).to_contain_text("Quarter 1 2017/18")
    screenshot(page, "returns-list")
    by_web(page, site, screenshot, sheet_of(havering, "2017-18-q1"))

    finance = browser.new_context().new_page()
    sign_in(finance, site, "bhr.finance")
    by_excel(finance, site, screenshot, page)

    national = browser.new_context().new_page()
    sign_in(national, site, "national.approver")
    nationally(national, site, screenshot)
    settle(finance, national)
