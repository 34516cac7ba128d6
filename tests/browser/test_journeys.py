"""Two whole journeys in chromium: a stale template upload refused, then a fresh one
imported; and a plan sent for sign-off, taken back, submitted, approved with
conditions, reopened, resubmitted and approved."""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import expect

from assurance.tests.journey import decide
from assurance.tests.test_workflow import complete_every_section, complete_metrics, submit
from finance.models import IncomeLine
from plans.models import Plan
from plans.tests.helpers import plan

from .conftest import settle, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HAVERING = "/plans/2017-19/havering/"
UPLOAD = HAVERING + "finance/upload/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_template(page, site):
    """The pre-filled template, as the finance officer downloads it from the upload page."""
    page.goto(site + UPLOAD)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the template filled in with this plan").click()
    download = info.value
    assert download.suggested_filename == "bcf-2017-19-havering.xlsx"
    return Path(download.path()).read_bytes()


def with_income_c4(data, value):
    """The workbook with one income amount (Income!C4, in £'000) changed, as in Excel."""
    book = load_workbook(io.BytesIO(data))
    book["Income"]["C4"] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload_template(page, site, data, name):
    page.goto(site + UPLOAD)
    page.locator("input[name=template]").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}]
    )
    page.get_by_role("button", name="Upload and check").click()


def test_a_stale_upload_is_refused_then_a_fresh_template_imports(
    page, browser, site, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # uploaded files are kept; not in the working tree
    sign_in(page, site, "bhr.finance")
    stale = download_template(page, site)
    screenshot(page, "journey-upload-page")

    commissioner = browser.new_context().new_page()
    sign_in(commissioner, site, "bhr.commissioner")
    commissioner.goto(site + HAVERING + "finance/income/")
    first = commissioner.locator("#income input.govuk-input").first
    first.fill("123456")
    screenshot(commissioner, "journey-income-changed-on-the-web")
    commissioner.get_by_role("button", name="Save income").click()
    expect(commissioner.get_by_text("Income saved.")).to_be_visible()

    upload_template(page, site, with_income_c4(stale, 1), "stale.xlsx")
    expect(page.locator("#upload-problems")).to_contain_text("The template was not imported")
    problems = page.locator("#problems")
    expect(problems).to_contain_text("changed on the web by bhr.commissioner")
    expect(problems).to_contain_text("Download the template again")
    expect(page.locator("#upload-problems")).to_contain_text("Nothing in the plan has changed")
    screenshot(page, "journey-upload-refused-stale")

    fresh = download_template(page, site)
    upload_template(page, site, with_income_c4(fresh, 1), "fresh.xlsx")
    imported = page.get_by_text(re.compile(r"Template imported \(.+\): 1 change\b"))
    expect(imported).to_be_visible()
    # The fresh file carried the web's change, so the edit replaced it and nothing was lost.
    amounts = IncomeLine.objects.filter(plan__area__slug="havering", plan__round__slug="2017-19")
    amounts = set(amounts.values_list("amount", flat=True))
    assert Decimal("1000") in amounts and Decimal("123456") not in amounts
    screenshot(page, "journey-upload-imported")
    settle(commissioner)


def answer_every_kloe_on_the_page(page, kloes, label="Met", overrides=None):
    """One assurer's whole assessment: every KLOE answered, saved, then completed."""
    overrides = overrides or {}
    for kloe in kloes:
        given = overrides.get(kloe.code, label)
        page.locator(f"#kloe-{kloe.code}").get_by_label(given, exact=True).check()
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text(f"{len(kloes)} answers saved.")).to_be_visible()
    page.get_by_role("button", name="Complete my assessment").click()
    expect(page.get_by_text("Your assessment is complete.")).to_be_visible()


def decide_on_page(page, button, category, condition=""):
    page.locator("#outcome ~ form").get_by_label(category, exact=True).check()
    if condition:
        page.get_by_label("Condition 1").fill(condition)
        page.get_by_label("Met by").first.fill("2017-10-31")
    page.get_by_role("button", name=button).click()


def sign_off_and_submit(page, site, version):
    page.goto(site + HAVERING + "submit/")
    page.get_by_role("button", name="Send for sign-off").click()
    expect(page.get_by_text("The plan has been sent for sign-off.")).to_be_visible()
    page.get_by_label(
        "I confirm that the Health and Wellbeing Board has signed off this plan"
    ).check()
    page.get_by_role("button", name="Submit the plan").click()
    page.wait_for_url(f"{site}{HAVERING}versions/{version}/submitted/")
    panel = page.locator("#submitted-panel")
    expect(panel).to_contain_text("Plan submitted")
    expect(panel).to_contain_text(f"BCF-2017-19-HAVERING-V{version}")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()


def test_sign_off_submit_conditions_resubmit_and_approval(browser, site, screenshot):
    havering = plan("2017-19", "havering")
    complete_metrics(havering)
    complete_every_section(havering)
    kloes = list(havering.round.kloes.all())
    assert kloes

    area = browser.new_context().new_page()
    sign_in(area, site, "bhr.commissioner")
    area.goto(site + HAVERING + "submit/")
    expect(
        area.get_by_role("heading", name="Check your answers before submitting the plan")
    ).to_be_visible()
    expect(area.locator("#sections-summary")).to_contain_text("16 risks")
    expect(area.locator("#incomplete-sections")).to_have_count(0)
    screenshot(area, "journey-check-your-answers")
    area.get_by_role("button", name="Send for sign-off").click()
    expect(area.get_by_text("The plan has been sent for sign-off.")).to_be_visible()
    expect(area.locator(".govuk-caption-l")).to_contain_text("Awaiting sign-off")

    back = area.locator("#return-to-draft")
    back.get_by_label("What needs changing").fill("The board wants a new risk.")
    screenshot(area, "journey-awaiting-sign-off")
    back.get_by_role("button", name="Return the plan to draft").click()
    expect(area.get_by_text("The plan is a draft again")).to_be_visible()
    assert Plan.objects.get(pk=havering.pk).status == Plan.Status.DRAFT

    sign_off_and_submit(area, site, 1)
    screenshot(area, "journey-submitted-v1")

    reviewer = browser.new_context().new_page()
    sign_in(reviewer, site, "london.reviewer")  # the NHS England assurer of the pair
    reviewer.goto(site + HAVERING + "review/")
    expect(reviewer.get_by_role("heading", name="Assure version 1")).to_be_visible()
    reviewer.get_by_role("button", name="Start assurance").click()
    expect(reviewer.locator("#kloe-form")).to_be_visible()
    answer_every_kloe_on_the_page(reviewer, kloes, "Partially met")
    expect(reviewer.locator("#moderation")).to_have_count(0)  # the pair answer apart

    la = browser.new_context().new_page()
    sign_in(la, site, "london.assurer.la")
    la.goto(site + HAVERING + "review/")
    answer_every_kloe_on_the_page(la, kloes, "Partially met", {"MET1": "Not met"})
    screenshot(la, "journey-la-assessment-complete")

    moderator = browser.new_context().new_page()
    sign_in(moderator, site, "london.moderator")
    moderator.goto(site + HAVERING + "review/")
    rows = moderator.locator("#moderation-table tbody tr")
    expect(rows.first).to_have_id("moderate-MET1")  # the disagreement first
    expect(rows.first).to_contain_text("Disagreement")
    screenshot(moderator, "journey-moderation-side-by-side")
    decide_on_page(moderator, "Propose outcome", "Approved with conditions", "Report DToC.")
    expect(moderator.get_by_text("Reconcile every disagreement")).to_be_visible()
    moderator.locator("#moderate-MET1").get_by_label("Partially met", exact=True).check()
    moderator.get_by_role("button", name="Save reconciled ratings").click()
    expect(moderator.get_by_text("1 answer saved.")).to_be_visible()
    decide_on_page(moderator, "Propose outcome", "Approved with conditions", "Report DToC monthly.")
    expect(moderator.get_by_text("Proposed: Approved with conditions")).to_be_visible()

    approver = browser.new_context().new_page()
    sign_in(approver, site, "national.approver")
    approver.goto(site + HAVERING + "review/")
    expect(approver.locator("#proposal")).to_contain_text("Approved with conditions")
    screenshot(approver, "journey-national-confirmation")
    decide_on_page(approver, "Confirm outcome", "Approved with conditions", "Report DToC monthly.")
    expect(approver.get_by_text("Outcome decided: Approved with conditions")).to_be_visible()
    expect(approver.locator("#decision")).to_contain_text("Approved with conditions")
    expect(approver.locator("#decision ~ ol")).to_contain_text("31 October 2017")
    screenshot(approver, "journey-approved-with-conditions")
    letter = area.request.get(site + HAVERING + "outcome-letter.pdf")
    assert letter.status == 200 and letter.headers["content-type"] == "application/pdf"

    area.goto(site + HAVERING + "submit/")
    expect(area.locator("#reopen")).to_contain_text("The outcome was approved with conditions")
    area.get_by_role("button", name="Reopen for resubmission").click()
    expect(area.get_by_text("The plan is open for its next version")).to_be_visible()
    screenshot(area, "journey-reopened")
    sign_off_and_submit(area, site, 2)
    screenshot(area, "journey-submitted-v2")

    reviewer.goto(site + HAVERING + "review/")
    expect(reviewer.get_by_role("heading", name="Assure version 2")).to_be_visible()
    reviewer.get_by_role("button", name="Start assurance").click()
    for kloe in kloes:
        expect(reviewer.locator(f"#kloe-{kloe.code}-previous")).to_contain_text(
            "On version 1: Partially met"
        )
    screenshot(reviewer, "journey-review-v2-with-previous-answers")
    answer_every_kloe_on_the_page(reviewer, kloes)
    la.goto(site + HAVERING + "review/")
    answer_every_kloe_on_the_page(la, kloes)
    moderator.goto(site + HAVERING + "review/")
    decide_on_page(moderator, "Propose outcome", "Approved")
    approver.goto(site + HAVERING + "review/")
    decide_on_page(approver, "Confirm outcome", "Approved")
    expect(approver.locator(".govuk-caption-l")).to_have_text(re.compile(r"· Approved$"))
    area.goto(site + HAVERING)
    expect(area.get_by_text("Approved", exact=True).first).to_be_visible()
    screenshot(area, "journey-approved")
    assert Plan.objects.get(pk=havering.pk).status == Plan.Status.APPROVED
    area.goto(site + HAVERING + "timeline/")
    for step in ("Assessment completed", "Outcome proposed", "Outcome recorded"):
        expect(area.get_by_text(step).first).to_be_visible()
    settle(area, reviewer, la, moderator, approver)


def test_a_plan_missing_its_resubmission_deadline_is_escalated(browser, site, screenshot):
    """Time is moved, not waited for: the calendar pass runs as on 1 November 2017."""
    havering = plan("2017-19", "havering")
    complete_metrics(havering)
    submit(havering)
    decide(havering, "not-approved", rating="not_met")
    call_command("run_calendar", today="2017-11-01", verbosity=0)
    approver = browser.new_context().new_page()
    sign_in(approver, site, "national.approver")
    approver.goto(site + HAVERING + "review/")
    expect(approver.locator("#escalations")).to_contain_text(
        "Not resubmitted by the resubmission deadline"
    )
    expect(approver.locator("#escalations")).to_contain_text("the calendar")
    screenshot(approver, "journey-escalated")
    approver.get_by_label("Reason for escalating nationally").fill("Direction powers considered.")
    approver.get_by_role("button", name="Escalate the plan").click()
    expect(approver.get_by_text("The plan has been escalated.")).to_be_visible()
    expect(approver.locator("#escalations li")).to_have_count(2)
    approver.goto(site + "/assurance/")
    expect(approver.locator("#queue-havering")).to_contain_text("Not approved")
    settle(approver)
