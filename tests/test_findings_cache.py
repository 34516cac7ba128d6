"""Findings are worked out once per content version of a plan and shared by the task
list, the check page, submission, the finance page and the API; an edit is seen at
once (never stale), and a page whose findings are kept runs the same fixed number of
queries however large the plan."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.models import IncomeLine
from plans.findings import FINDINGS_CACHE, check_plan, content_version, plan_findings
from plans.tests.helpers import login, plan

pytestmark = pytest.mark.django_db

CHECK = "/plans/2017-19/havering/check/"


@pytest.fixture(autouse=True)
def _empty_cache():
    caches[FINDINGS_CACHE].clear()
    yield
    caches[FINDINGS_CACHE].clear()


def rendered(client, url, capture):
    """GET the page; what it kept is stored when its transaction commits."""
    with capture(execute=True), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


def test_kept_findings_are_the_rules_findings_and_cost_one_query(
    django_capture_on_commit_callbacks,
):
    havering = plan("2017-19", "havering")
    with django_capture_on_commit_callbacks(execute=True):
        first = plan_findings(havering)
    assert first == check_plan(havering)
    with CaptureQueriesContext(connection) as queries:
        again = plan_findings(havering)
    assert again == first
    assert len(queries) == 1  # the content version; no rule ran


def test_an_edit_changes_the_version_and_the_check_page_shows_it_at_once(
    client, django_capture_on_commit_callbacks
):
    login(client, "bhr.commissioner")
    havering = plan("2017-19", "havering")
    page, cold = rendered(client, CHECK, django_capture_on_commit_callbacks)
    _page, warm = rendered(client, CHECK, django_capture_on_commit_callbacks)
    assert warm < cold  # the second view read the kept findings
    before = content_version(havering)
    line = IncomeLine.objects.filter(plan=havering, source__code="dfg").first()
    line.amount += 1000
    line.save()  # leaves a history row, as every writer does
    assert content_version(havering) != before
    page, _ = rendered(client, CHECK, django_capture_on_commit_callbacks)
    new = {f.message for f in check_plan(havering)} - {f.message for f in plan_findings(havering)}
    assert new == set()
    assert any("£1,000" in f.message for f in check_plan(havering)), check_plan(havering)
    assert "£1,000" in page


def test_rolled_back_findings_are_never_kept():
    havering = plan("2017-19", "havering")
    plan_findings(havering)  # inside the test's transaction, never committed
    key = f"bcf:findings:{havering.pk}:{content_version(havering)}"
    assert caches[FINDINGS_CACHE].get(key) is None


@pytest.mark.parametrize("url", ["", "check/", "finance/", "submit/"])
def test_pages_reading_kept_findings_run_a_fixed_number_of_queries(
    client, url, django_capture_on_commit_callbacks
):
    """Warm, each page runs the rules not at all, and the same queries as before."""
    login(client, "bhr.commissioner")
    _page, cold = rendered(
        client, "/plans/2017-19/havering/" + url, django_capture_on_commit_callbacks
    )
    _page, warm = rendered(
        client, "/plans/2017-19/havering/" + url, django_capture_on_commit_callbacks
    )
    _page, again = rendered(
        client, "/plans/2017-19/havering/" + url, django_capture_on_commit_callbacks
    )
    assert warm == again
    assert warm < cold
