"""A new area starts on its own (issue 19), in chromium, from a database holding only
the reference data and one national administrator: the administrator starts Barnet's
2014-16 plan, imports its allocations (a bad file first), and invites two people —
one who is both the area's commissioner and its finance officer, one who is only a
finance officer. Each follows the link in their email and sets a password; the
commissioner writes the plan in the web forms, the finance officer fills the money and
metrics in the Excel template, and the commissioner submits. No page under /admin/ is
visited on the way.

Barnet's minimums, income and schemes are the seed's (demo/data/barnet.py); its
metric trajectories are not printed in the seed, so the figures below are
illustrative."""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import expect

from demo.data import barnet
from finance.models import IncomeLine, MinimumAllocation
from metrics.models import MetricPeriod
from plans.models import Plan, PlanVersion, Role
from schemes.models import ExpenditureLine

from .conftest import settle

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "first-run-Passw0rd!"
ROUND = "/rounds/2014-16/"
BARNET = "/plans/2014-16/barnet/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINK = re.compile(r"https?://[^\s]+/people/invitations/accept/[^\s]+/")


@pytest.fixture
def empty_site(live_server, transactional_db, settings):
    """Reference data only (areas, regions, CCGs, rounds) and one administrator."""
    call_command("flush", interactive=False, verbosity=0)
    call_command("load_reference_data", verbosity=0)
    admin = get_user_model().objects.create_user(
        "nat.admin", "nat.admin@example.org", PASSWORD, first_name="Nadia"
    )
    Role.objects.create(user=admin, kind=Role.Kind.NATIONAL_ADMIN)
    settings.ALLOWED_HOSTS = ["*"]
    return live_server.url


@pytest.fixture
def visited():
    """Every URL any page of the journey asked for."""
    return []


def open_page(browser, visited):
    context = browser.new_context()
    page = context.new_page()
    page.on("request", lambda request: visited.append(request.url))
    return page


def sign_in(page, site, username):
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def allocations_csv(rows):
    lines = ["HWB,Kind,Year,Amount", *(",".join(map(str, row)) for row in rows)]
    return "\n".join(lines).encode()


BARNET_MINIMUMS = [
    ("E09000003", "Minimum pooled budget", "2014/15", "6634000"),
    ("E09000003", "Minimum pooled budget", "2015/16", '"23,412,000"'),
    ("Barnet", "Disabled Facilities Grant", "2015/16", "1129000"),
]


def upload_allocations(page, site, data, name="minimums.csv", mime="text/csv"):
    page.goto(site + ROUND + "allocations/")
    page.locator("input[name=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    page.get_by_role("button", name="Upload and check").click()


def administrator_starts_barnet(page, site, screenshot):
    sign_in(page, site, "nat.admin")
    page.goto(site + "/rounds/")
    page.get_by_role("link", name=re.compile("2014-16")).first.click()
    page.get_by_label("Choose Barnet").check()
    page.get_by_role("button", name="Start a plan for each chosen area").click()
    expect(page.get_by_text("1 plan started: Barnet.")).to_be_visible()
    screenshot(page, "first-run-round-started")

    # A tired administrator's file: an unknown code, text for an amount, a duplicate.
    bad = allocations_csv(
        [
            ("E09999999", "Minimum pooled budget", "2014/15", "6634000"),
            ("E09000003", "Minimum pooled budget", "2015/16", "about 23m"),
            ("E09000003", "Minimum pooled budget", "2014/15", "6634000"),
            ("E09000003", "Minimum pooled budget", "2014/15", "6634000"),
        ]
    )
    upload_allocations(page, site, bad)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Fix 3 problems")
    problems = page.locator("main")
    expect(problems).to_contain_text("E09999999")
    expect(problems).to_contain_text("about 23m")
    screenshot(page, "first-run-allocations-refused")
    assert not MinimumAllocation.objects.exists()

    upload_allocations(page, site, allocations_csv(BARNET_MINIMUMS))
    expect(page.get_by_text("£23,412,000").first).to_be_visible()
    screenshot(page, "first-run-allocations-preview")
    assert not MinimumAllocation.objects.exists()  # a preview writes nothing
    page.get_by_role("button", name="Confirm and import").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("3")
    amounts = dict(
        MinimumAllocation.objects.filter(kind="pooled_budget").values_list(
            "year__start_year", "amount"
        )
    )
    assert amounts == {2014: Decimal("6634000"), 2015: Decimal("23412000")}


def invite(page, site, email, name, roles):
    page.goto(site + "/people/invite/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Full name").fill(name)
    for role in roles:
        page.get_by_label(role, exact=True).check()
    page.get_by_text(re.compile(r"^London \(\d+ areas\)")).click()
    page.get_by_label("Barnet", exact=True).check()
    page.get_by_role("button", name=re.compile("Send the invitation|Invite")).click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(email)


def accept_invitation(page, email, screenshot, name):
    (message,) = [m for m in mail.outbox if m.to == [email]]
    link = LINK.search(message.body).group(0)
    page.goto(link)
    screenshot(page, f"first-run-accept-{name}")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm the new password").fill(PASSWORD)
    page.get_by_role("button", name="Save the password and sign in").click()
    page.wait_for_load_state()


def test_a_new_area_starts_on_its_own_without_the_admin_site(
    empty_site, browser, screenshot, visited, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    site = empty_site
    admin = open_page(browser, visited)
    administrator_starts_barnet(admin, site, screenshot)

    invite(
        admin,
        site,
        "asha.commissioner@barnet.example",
        "Asha Patel",
        ["Commissioner (area editor)", "Finance officer"],
    )
    invite(admin, site, "femi.finance@barnet.example", "Femi Okafor", ["Finance officer"])
    screenshot(admin, "first-run-people")

    commissioner = open_page(browser, visited)
    accept_invitation(commissioner, "asha.commissioner@barnet.example", screenshot, "asha")
    screenshot(commissioner, "first-run-welcome")
    expect(commissioner.locator("#welcome-invited")).to_contain_text("Femi Okafor")

    finance = open_page(browser, visited)
    accept_invitation(finance, "femi.finance@barnet.example", screenshot, "femi")

    commissioner_writes_the_plan(commissioner, site, screenshot)
    finance_officer_fills_the_template(finance, site, screenshot)
    commissioner_submits(commissioner, site, screenshot)

    the_plan = Plan.objects.get(area__slug="barnet", round__slug="2014-16")
    version = PlanVersion.objects.get(plan=the_plan)
    assert (the_plan.status, version.number) == (Plan.Status.SUBMITTED, 1)
    assert the_plan.income_total() if hasattr(the_plan, "income_total") else True
    income = sum(IncomeLine.objects.filter(plan=the_plan).values_list("amount", flat=True))
    spent = sum(
        ExpenditureLine.objects.filter(scheme__plan=the_plan).values_list("amount", flat=True)
    )
    # The seed's totals: £6,634,000 in 2014/15 and £24,213,247 in 2015/16.
    assert income == spent == Decimal("30847247")

    settle(admin, commissioner, finance)
    assert [url for url in visited if "/admin/" in url] == []


def save_section(page, completed=True):
    page.get_by_label(
        "Yes, I've completed this section" if completed else "No, I'll come back to it"
    ).check()
    page.get_by_role("button", name="Save and return to the task list").click()
    no_problems(page)


def no_problems(page):
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert summary.count() == 0, f"{page.url}: {page.locator('main').inner_text()[:6000]}"


def fill_date(page, group, when):
    fields = page.get_by_role("group", name=group)
    fields.get_by_label("Day").fill(str(when[2]))
    fields.get_by_label("Month").fill(str(when[1]))
    fields.get_by_label("Year").fill(str(when[0]))


NARRATIVE = {
    "provider-engagement": "Providers designed the integrated care model with us.",
    "public-engagement": "Healthwatch and residents' groups tested the model.",
    "vision": "More care coordinated around the person, closer to home.",
    "aims": "Fewer emergency admissions and fewer permanent admissions to care homes.",
    "planned-changes": "Integrated locality teams, rapid response and care navigation.",
    "acute-implications": "Activity moves from the acute trusts to community teams.",
    "governance": "The Health and Wellbeing Board oversees a joint commissioning board.",
}


def commissioner_writes_the_plan(page, site, screenshot):
    section = site + BARNET + "sections/"
    page.goto(section + "plan-details/")
    fill_date(page, "Date agreed at the Health and Wellbeing Board", (2014, 3, 20))
    save_section(page)

    page.goto(section + "sign-off/")
    for index, (name, position) in enumerate(
        [
            ("Dr Sue Sumners", "Chair, Barnet CCG"),
            ("Cllr Sachin Rajput", "Cabinet Member for Adults"),
            ("Councillor Helena Hart", "Chairman of the Health and Wellbeing Board"),
        ]
    ):
        page.get_by_label("Signed by (full name)").nth(index).fill(name)
        page.get_by_label("Position").nth(index).fill(position)
        page.get_by_label("Day").nth(index).fill("20")
        page.get_by_label("Month").nth(index).fill("3")
        page.get_by_label("Year").nth(index).fill("2014")
    save_section(page)

    for slug, text in NARRATIVE.items():
        page.goto(section + slug + "/")
        page.locator("textarea").first.fill(text)
        save_section(page)

    page.goto(section + "national-conditions/")
    yes = page.get_by_label("Yes", exact=True)
    for index in range(yes.count()):
        yes.nth(index).check()
    boxes = page.locator("textarea")
    for index in range(boxes.count()):
        boxes.nth(index).fill("Agreed by the council and the CCG; see the plan.")
    numbers = page.locator("input[inputmode=decimal], input[type=number]")
    for index in range(numbers.count()):
        numbers.nth(index).fill("4")
    screenshot(page, "first-run-conditions")
    save_section(page)

    page.goto(section + "risks/")
    first_row = page.locator("[data-grid-row]").first  # a grid: one row per risk
    first_row.get_by_label(re.compile(r": Ref(erence)?$")).fill("1")
    first_row.get_by_label(re.compile(r": (Risk|Description)$")).fill(
        "Moving money into joint schemes destabilises current providers."
    )
    first_row.get_by_label(re.compile(r": Mitigati")).fill("Assess each provider's position first.")
    first_row.get_by_label(re.compile(r": Rating$")).select_option(label="High")
    save_section(page)

    page.goto(section + "related-documents/")
    save_section(page)
    screenshot(page, "first-run-task-list-written")


SOURCE_NAMES = {
    "ccg-minimum": "CCG minimum contribution",
    "dfg": "Disabled Facilities Grant",
    "social-care-capital": "Social care capital grant",
    "ccg-additional": "Additional CCG contribution",
}


def columns(sheet, header_row=3):
    return {cell.value: cell.column for cell in sheet[header_row] if cell.value}


def filled_template(data):
    book = load_workbook(io.BytesIO(data))
    income = book["Income"]
    at = columns(income)
    for row in range(4, income.max_row + 1):
        code = income.cell(row=row, column=1).value
        if code in barnet.INCOME:
            first, second = barnet.INCOME[code]
            income.cell(row=row, column=at["2014/15 (£)"], value=first or None)
            income.cell(row=row, column=at["2015/16 (£)"], value=second or None)
    spending = book["Expenditure"]
    at = columns(spending)
    for row, scheme in enumerate(barnet.SCHEMES, 4):
        code, name, type_, area, commissioner, provider, first, second, source = scheme
        values = {
            "Scheme ID": code,
            "Scheme name": name,
            "Scheme type": type_,
            "Area of spend": area,
            "Commissioner": commissioner,
            "Provider": provider,
            "Funding source": SOURCE_NAMES[source],
            "Recurrence": "Recurrent",
            "2014/15 (£)": first or None,
            "2015/16 (£)": second or None,
        }
        for heading, value in values.items():
            spending.cell(row=row, column=at[heading], value=value)
    metrics = book["Metrics"]
    at = columns(metrics)
    periods = {
        (code, label)
        for code, label in MetricPeriod.objects.filter(metric__round__slug="2014-16").values_list(
            "metric__code", "label"
        )
    }
    for row in range(4, metrics.max_row + 1):
        code, measure = (metrics.cell(row=row, column=c).value or "" for c in (1, 3))
        if measure.startswith("Planned rate"):
            continue
        value = 80 if measure == "Planned value" else (60_000 if "opulation" in measure else 300)
        for label, column in at.items():
            if (code, label) in periods:
                metrics.cell(row=row, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def finance_officer_fills_the_template(page, site, screenshot):
    page.goto(site + BARNET + "finance/upload/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the template filled in with this plan").click()
    data = Path(info.value.path()).read_bytes()
    page.locator("input[name=template]").set_input_files(
        files=[{"name": "barnet.xlsx", "mimeType": XLSX, "buffer": filled_template(data)}]
    )
    page.get_by_role("button", name="Upload and check").click()
    screenshot(page, "first-run-template-uploaded")
    no_problems(page)


def commissioner_submits(page, site, screenshot):
    for path in ("schemes/", "finance/", "metrics/"):
        page.goto(site + BARNET + path)
        if page.get_by_label("Yes, I've completed this section").count():
            save_section(page)
    page.goto(site + BARNET + "check/")
    screenshot(page, "first-run-check")
    page.goto(site + BARNET + "submit/")
    screenshot(page, "first-run-submit")
    page.get_by_role("button", name=re.compile("sign-off", re.I)).click()
    page.get_by_label(
        "I confirm that the Health and Wellbeing Board has signed off this plan"
    ).check()
    page.get_by_role("button", name="Submit the plan").click()
    expect(page.get_by_text(re.compile("version 1", re.I)).first).to_be_visible()
    screenshot(page, "first-run-submitted")
