"""Browser journeys in Debian's chromium, driven by Playwright (DESIGN.md §6).

Playwright's own browser download is never used: chromium comes from apt (installed
by .ci/run). The live server needs a transactional database, which is emptied after
each test, so each test loads the demo again.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from demo.data.users import demo_password

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} is not installed (.ci/run installs it)"
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def site(live_server, transactional_db):
    call_command("load_demo", verbosity=0, assurance=False)
    return live_server.url


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    return take


def sign_in(page, site, username):
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/plans/")


def axe_violations(page, impacts=("serious", "critical")):
    # Evaluated through the DevTools protocol, which the page's Content Security Policy
    # does not govern; a <script> tag would (rightly) be refused.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in impacts
    ]


@pytest.fixture
def page(page):
    """The plugin's page, left only when its requests have finished, so that no request
    reaches the live server after the test's database has been emptied. Any Content
    Security Policy violation on any page fails the test."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    page.wait_for_load_state("networkidle")
    assert violations == []


def settle(*pages):
    for each in pages:
        each.wait_for_load_state("networkidle")
        each.context.close()
