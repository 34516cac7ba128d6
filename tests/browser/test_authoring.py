"""Sign in, open a plan, save a section, see errors and edit conflicts, in chromium."""

import re

import pytest
from playwright.sync_api import expect

from plans.models import NarrativeAnswer, SectionProgress

from .conftest import axe_violations, settle, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

VISION = "/plans/2014-16/lancashire/sections/vision/"


def test_commissioner_signs_in_and_sees_the_task_list(page, site, screenshot):
    sign_in(page, site, "lancashire.commissioner")
    expect(page.get_by_role("heading", name="Your plans")).to_be_visible()
    expect(page.get_by_text(re.compile("commissioner .*for Lancashire"))).to_be_visible()
    page.get_by_role("link", name="Lancashire").click()
    expect(page.get_by_role("heading", name="Lancashire Better Care Fund plan")).to_be_visible()
    tasks = page.locator("#task-list .govuk-task-list__item")
    expect(tasks).to_have_count(15)  # every section of the 2014-16 round
    expect(page.locator("#task-vision-status")).to_have_text(re.compile("In progress|Not started"))
    screenshot(page, "task-list-lancashire")


def test_fill_and_save_a_narrative_section(page, site, screenshot):
    sign_in(page, site, "lancashire.commissioner")
    page.goto(site + VISION)
    box = page.get_by_label("Vision for health and care services")
    box.fill("By 2019 people in Central Lancashire will be supported at home first.")
    expect(page.locator(".govuk-character-count__status")).to_be_visible()
    page.get_by_label("Yes, I've completed this section").check()
    screenshot(page, "section-vision-filled")
    page.get_by_role("button", name="Save and return to the task list").click()
    expect(page.get_by_text("Vision for health and care services: saved.")).to_be_visible()
    expect(page.locator("#task-vision-status")).to_have_text("Completed")
    answer = NarrativeAnswer.objects.get(
        narrative__plans__area__slug="lancashire", section__slug="vision"
    )
    assert answer.text.startswith("By 2019 people in Central Lancashire")


def test_error_summary_links_to_the_field_and_keeps_what_was_typed(page, site, screenshot):
    sign_in(page, site, "lancashire.commissioner")
    page.goto(site + "/plans/2014-16/lancashire/sections/plan-details/")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2014")
    page.get_by_label("Boundary differences").fill(
        "Chorley and South Ribble CCG spans two councils."
    )
    page.get_by_label("Yes, I've completed this section").check()
    page.get_by_role("button", name="Save and return to the task list").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    screenshot(page, "plan-details-error-summary")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Day")).to_be_focused()
    expect(page.get_by_label("Boundary differences")).to_have_value(
        "Chorley and South Ribble CCG spans two councils."
    )


def test_second_save_is_refused_with_the_difference_shown(browser, site, screenshot):
    first = browser.new_context().new_page()
    second = browser.new_context().new_page()
    sign_in(first, site, "lancashire.commissioner")
    sign_in(second, site, "lancashire.commissioner")
    first.goto(site + VISION)
    second.goto(site + VISION)
    label = "Vision for health and care services"

    first.get_by_label(label).fill("Care closer to home, planned with every partner.")
    first.get_by_label("No, I'll come back to it").check()
    first.get_by_role("button", name="Save and return to the task list").click()
    expect(first.get_by_text("saved.")).to_be_visible()

    mine = "Care at home first, with seven-day discharge."
    second.get_by_label(label).fill(mine)
    second.get_by_label("No, I'll come back to it").check()
    second.get_by_role("button", name="Save and return to the task list").click()
    banner = second.locator("#conflict")
    expect(banner).to_contain_text("Your changes have not been saved")
    expect(second.locator("#conflict-diff ins")).not_to_have_count(0)
    expect(second.get_by_label(label)).to_have_value(mine)
    screenshot(second, "section-conflict")
    answer = NarrativeAnswer.objects.get(
        narrative__plans__area__slug="lancashire", section__slug="vision"
    )
    assert answer.text == "Care closer to home, planned with every partner."

    # Saving again after seeing the difference is a deliberate overwrite.
    second.get_by_role("button", name="Save and return to the task list").click()
    expect(second.get_by_text("saved.")).to_be_visible()
    answer.refresh_from_db()
    assert answer.text == mine
    settle(first, second)
    assert (
        SectionProgress.objects.get(section__slug="vision", narrative=answer.narrative).lock_version
        == 2
    )


def test_a_section_saves_without_javascript(browser, site):
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page, site, "lancashire.commissioner")
    page.goto(site + "/plans/2014-16/lancashire/sections/governance/")
    page.get_by_label("Governance").fill("A joint commissioning board meets monthly.")
    page.get_by_label("No, I'll come back to it").check()
    page.get_by_role("button", name="Save and return to the task list").click()
    expect(page.locator("#task-governance-status")).to_have_text("In progress")
    settle(page)


@pytest.mark.parametrize(
    "path",
    [
        "/plans/2017-19/havering/",
        "/plans/2017-19/havering/sections/risks/",
        "/plans/2017-19/havering/metrics/",
        "/plans/2017-19/havering/metrics/dtoc/",
        "/plans/2017-19/havering/finance/",
        "/plans/2017-19/havering/schemes/H1/",
        "/plans/2017-19/havering/check/",
        "/plans/2014-16/barnet/sections/national-conditions/",
    ],
)
def test_no_serious_accessibility_violations(page, site, screenshot, path):
    sign_in(page, site, "bhr.commissioner" if "havering" in path else "barnet.commissioner")
    page.goto(site + path)
    violations = axe_violations(page)
    screenshot(page, "axe" + path.replace("/", "-").rstrip("-"))
    assert violations == []


def test_session_time_out_is_warned_before_it_happens(page, site, settings, screenshot):
    settings.SESSION_COOKIE_AGE = 302  # the warning comes 300 seconds before the end
    sign_in(page, site, "lancashire.commissioner")
    page.goto(site + VISION)
    warning = page.locator("#session-timeout-warning")
    expect(warning).to_be_visible(timeout=10_000)
    expect(warning).to_contain_text("You will be signed out soon")
    screenshot(page, "session-timeout-warning")
    warning.get_by_role("link", name="Stay signed in").click()
    expect(warning).to_be_hidden()
