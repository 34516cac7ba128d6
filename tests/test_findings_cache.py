"""Findings are worked out once per content version of a plan and shared by the task
list, the check page, submission, the finance page and the API; an edit is seen at
once (never stale), and a page whose findings are kept runs the same fixed number of
queries however large the plan."""

import re

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from simple_history.utils import bulk_update_with_history

from finance.models import IncomeLine, MinimumAllocation
from metrics.models import MetricPlanValue
from plans.findings import check_plan, plan_findings
from plans.models import NarrativeAnswer, Plan
from plans.stamps import CACHE, stamp_of, stamps_of, touch
from plans.tests.helpers import login, plan
from schemes import bulk
from schemes.models import ExpenditureLine

pytestmark = pytest.mark.django_db

CHECK = "/plans/2017-19/havering/check/"


@pytest.fixture(autouse=True)
def _empty_cache():
    caches[CACHE].clear()
    yield
    caches[CACHE].clear()


def rendered(client, url, capture):
    """GET the page; what it kept is stored when its transaction commits."""
    with capture(execute=True), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


def stamp(round_slug, area_slug):
    return stamp_of(
        Plan.objects.select_related("content_stamp").get(
            round__slug=round_slug, area__slug=area_slug
        )
    )


def test_kept_findings_are_the_rules_findings_and_cost_no_query(
    django_capture_on_commit_callbacks,
):
    havering = Plan.objects.select_related("round", "content_stamp").get(
        round__slug="2017-19", area__slug="havering"
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = plan_findings(havering)
    assert first == check_plan(havering)
    with CaptureQueriesContext(connection) as queries:
        again = plan_findings(havering)
    assert again == first
    assert len(queries) == 0  # the stamp came with the plan; no rule ran


def test_an_edit_changes_the_stamp_and_the_check_page_shows_it_at_once(
    client, django_capture_on_commit_callbacks
):
    login(client, "bhr.commissioner")
    havering = plan("2017-19", "havering")
    page, cold = rendered(client, CHECK, django_capture_on_commit_callbacks)
    _page, warm = rendered(client, CHECK, django_capture_on_commit_callbacks)
    assert warm < cold  # the second view read the kept findings
    before = stamp("2017-19", "havering")
    line = IncomeLine.objects.filter(plan=havering, source__code="dfg").first()
    line.amount += 1000
    line.save()  # leaves a history row, as every writer does
    assert stamp("2017-19", "havering") != before
    page, _ = rendered(client, CHECK, django_capture_on_commit_callbacks)
    assert plan_findings(havering) == check_plan(havering)
    assert any("£1,000" in f.message for f in check_plan(havering)), check_plan(havering)
    assert "£1,000" in page


def test_rolled_back_findings_are_never_kept():
    havering = plan("2017-19", "havering")
    plan_findings(havering)  # inside the test's transaction, never committed
    key = f"bcf:findings:{stamp('2017-19', 'havering')}"
    assert caches[CACHE].get(key) is None


def test_a_rolled_back_write_rolls_its_stamp_back():
    before = stamp("2017-19", "havering")
    with pytest.raises(RuntimeError), transaction.atomic():
        line = IncomeLine.objects.filter(plan__area__slug="havering").first()
        line.amount += 1
        line.save()
        assert stamp("2017-19", "havering") != before
        raise RuntimeError
    assert stamp("2017-19", "havering") == before


def _income(area):
    line = IncomeLine.objects.filter(plan__area__slug=area, plan__round__slug="2017-19").first()
    line.amount += 1
    line.save()


def _delete_income(area):
    IncomeLine.objects.filter(plan__area__slug=area, plan__round__slug="2017-19").first().delete()


def _bulk_update_lines(area):
    lines = list(ExpenditureLine.objects.filter(scheme__plan__area__slug=area)[:3])
    for line in lines:
        line.amount += 1
    bulk_update_with_history(lines, ExpenditureLine, ["amount"])


def _upload_lines(area):  # the workbook importer's writer
    lines = list(ExpenditureLine.objects.filter(scheme__plan__area__slug=area)[:3])
    for line in lines:
        line.amount += 1
    bulk.update_with_history([(line, ("amount",)) for line in lines], user=None)


def _delete_lines_in_bulk(area):
    lines = list(ExpenditureLine.objects.filter(scheme__plan__area__slug=area)[:2])
    bulk.delete_with_history(lines, user=None)


def _shared_narrative(area):  # BHR's three plans share one narrative
    answer = NarrativeAnswer.objects.filter(narrative__plans__area__slug=area).first()
    answer.text += " More."
    answer.save()


def _metric_value(area):
    value = MetricPlanValue.objects.filter(
        trajectory__plan__area__slug=area, trajectory__plan__round__slug="2017-19"
    ).first()
    value.value += 1
    value.save()


def _minimum(area):
    minimum = MinimumAllocation.objects.filter(area__slug=area).first()
    minimum.amount += 1
    minimum.save()


def _status_move(area):  # workflow moves write the plan row with UPDATE
    from django.db.models import F

    Plan.objects.filter(area__slug=area, round__slug="2017-19").update(
        lock_version=F("lock_version") + 1
    )


@pytest.mark.parametrize(
    "write",
    [
        _income,
        _delete_income,
        _bulk_update_lines,
        _upload_lines,
        _delete_lines_in_bulk,
        _shared_narrative,
        _metric_value,
        _minimum,
        _status_move,
    ],
)
def test_every_kind_of_write_renews_the_stamp_and_the_findings(
    write, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plan_findings(plan("2017-19", "havering"))  # kept
    before = stamp("2017-19", "havering")
    write("havering")
    assert stamp("2017-19", "havering") != before
    havering = plan("2017-19", "havering")
    assert plan_findings(havering) == check_plan(havering)


def test_a_shared_narrative_renews_every_plan_that_shares_it():
    before = {area: stamp("2017-19", area) for area in ("havering", "redbridge")}
    _shared_narrative("havering")
    assert all(stamp("2017-19", area) != before[area] for area in before)


def test_one_area_s_write_leaves_other_plans_stamps_alone():
    barnet = stamp("2014-16", "barnet")
    _income("havering")
    assert stamp("2014-16", "barnet") == barnet


def test_stamps_of_many_plans_cost_one_query():
    plans = list(Plan.objects.all())
    touch([plans[0].pk])
    with CaptureQueriesContext(connection) as queries:
        stamps = stamps_of(plans)
    assert len(queries) == 1
    assert all(stamps.values()) and len(set(stamps.values())) == len(plans)


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


def _page(client, url, capture):
    page, _ = rendered(client, url, capture)
    return re.sub(r'(nonce|value|data-session-age)="[^"]*"', "", page)


def _partners_lines(area):  # the joint plan's finance page shows Redbridge's spending
    _upload_lines("redbridge")


def _partners_income(area):
    _income("redbridge")


def _a_source_renamed(area):  # an administrator renames a funding source in place
    from plans.models import FundingSource

    source = FundingSource.objects.filter(round__slug="2017-19", parent=None).first()
    source.name += " (renamed)"
    source.save()


def _no_risks(area):  # the task list's risks section goes back to "not started"
    from plans.models import Risk

    Risk.objects.filter(narrative__plans__area__slug=area).delete()


@pytest.mark.parametrize(
    ("url", "write"),
    [
        ("", _no_risks),
        ("", _delete_lines_in_bulk),
        ("schemes/", _upload_lines),
        ("schemes/", _delete_lines_in_bulk),
        ("metrics/", _metric_value),
        ("check/", _income),
        ("finance/", _upload_lines),
        ("finance/", _partners_lines),
        ("finance/", _partners_income),
        ("finance/", _a_source_renamed),
    ],
)
def test_a_page_kept_under_the_stamp_shows_a_write_at_once(
    client, url, write, django_capture_on_commit_callbacks
):
    """After a write, the page is what it is when nothing was kept: never stale."""
    login(client, "bhr.commissioner")
    url = "/plans/2017-19/havering/" + url
    before = _page(client, url, django_capture_on_commit_callbacks)
    assert _page(client, url, django_capture_on_commit_callbacks) == before  # kept
    write("havering")
    after = _page(client, url, django_capture_on_commit_callbacks)
    caches[CACHE].clear()
    assert after == _page(client, url, django_capture_on_commit_callbacks)
    assert after != before


def _severity_of_a_rule_with_findings(round_):
    """A rule of the round that finds something in Havering's plan, made a warning."""
    from plans.models import RoundRule

    found = {f.code for f in check_plan(plan("2017-19", "havering"))}
    rule = RoundRule.objects.filter(round=round_, code__in=found).first()
    assert rule is not None, "Havering's demo plan has no finding to re-grade"
    rule.severity = RoundRule.Severity.WARNING
    rule.save()  # as the Django admin saves it: in place, without history


def _rule_taken_out(round_):
    from plans.models import RoundRule

    found = {f.code for f in check_plan(plan("2017-19", "havering"))}
    RoundRule.objects.filter(round=round_, code__in=found).first().delete()


def _year_taken_out(round_):
    round_.years.remove(round_.years.order_by("-start_year").first())


def _metric_period_relabelled(round_):
    from metrics.models import MetricPeriod

    period = MetricPeriod.objects.filter(metric__round=round_).first()
    period.label = f"{period.label} (revised)"
    period.save()


@pytest.mark.parametrize(
    "edit",
    [
        _severity_of_a_rule_with_findings,
        _rule_taken_out,
        _year_taken_out,
        _metric_period_relabelled,
    ],
)
def test_an_edit_of_the_round_s_own_rows_renews_every_plan_of_the_round(
    edit, django_capture_on_commit_callbacks
):
    """The rules read the round's rows (its rules, years, metrics), which an
    administrator edits in place without history: every plan of the round gets a new
    stamp, its kept findings are worked out again, and other rounds' plans keep theirs."""
    line = IncomeLine.objects.filter(plan=plan("2017-19", "havering")).first()
    line.amount += 1000  # income no longer equals expenditure: a finding to re-grade
    line.save()
    with django_capture_on_commit_callbacks(execute=True):
        kept = plan_findings(plan("2017-19", "havering"))
    assert kept
    before = {area: stamp("2017-19", area) for area in ("havering", "redbridge")}
    barnet = stamp("2014-16", "barnet")
    edit(plan("2017-19", "havering").round)
    assert all(stamp("2017-19", area) != before[area] for area in before)
    assert stamp("2014-16", "barnet") == barnet
    havering = plan("2017-19", "havering")
    assert plan_findings(havering) == check_plan(havering)
    if edit in (_severity_of_a_rule_with_findings, _rule_taken_out):
        assert plan_findings(havering) != kept


def _area_renamed(area):
    area.name = "Havering (renamed)"
    area.save()


def _ccg_added(area):
    from plans.models import ClinicalCommissioningGroup

    area.ccgs.add(ClinicalCommissioningGroup.objects.create(name="NHS Example CCG", code="99X"))


def _ccgs_cleared(area):
    area.ccgs.clear()


@pytest.mark.parametrize("edit", [_area_renamed, _ccg_added, _ccgs_cleared])
def test_an_edit_of_an_area_renews_its_plans_only(edit):
    """An area's name is in its findings' messages and its CCGs in its sign-offs:
    editing either renews that area's plans, not its partners'."""
    before = {area: stamp("2017-19", area) for area in ("havering", "redbridge")}
    edit(plan("2017-19", "havering").area)
    assert stamp("2017-19", "havering") != before["havering"]
    assert stamp("2017-19", "redbridge") == before["redbridge"]
