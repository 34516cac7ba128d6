"""A national export prepared in the background: the progress page follows the worker
and offers the file when it is ready, with no inline script (CSP) and no serious
accessibility problem."""

from playwright.sync_api import expect

from plans.downloads import build_download
from plans.models import Download

from .conftest import axe_violations, sign_in


def test_a_national_export_shows_its_progress_then_offers_the_file(page, site, screenshot):
    sign_in(page, site, "admin")
    page.get_by_role("link", name="Exports").click()
    page.get_by_role("button", name="Prepare the Excel workbook").click()
    expect(page.get_by_role("heading", name="National finance workbook (Excel)")).to_be_visible()
    expect(page.locator("#download-state")).to_contain_text("Waiting to start")
    assert axe_violations(page) == []
    screenshot(page, "download-waiting")

    build_download.call(str(Download.objects.get().pk))  # what the worker does

    ready = page.get_by_role("link", name="Download bcf-national-finance.xlsx")
    expect(ready).to_be_visible(timeout=15_000)  # the page noticed by itself
    screenshot(page, "download-ready")
    with page.expect_download() as info:
        ready.click()
    assert info.value.suggested_filename == "bcf-national-finance.xlsx"
    page.get_by_role("link", name="Your downloads").click()
    expect(page.locator("#downloads")).to_contain_text("Ready")
