"""The overview kept per latest change (reports.overview.kept): a warm page costs a
fixed, small number of queries, and is never stale: any write the overview reads
(through the page's writers, in bulk without history, to returns) shows at once."""

import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.findings import money
from plans.models import Plan, Role
from plans.tests.helpers import login
from reports import overview
from returns.models import PlanReturn
from schemes import bulk
from schemes.models import ExpenditureLine

pytestmark = pytest.mark.django_db
URL = "/overview/?round=2017-19&region=london"


def get(client, django_capture_on_commit_callbacks, url=URL):
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def table(page):
    """The page after the form's CSRF token, without the script nonces."""
    return re.sub(r'nonce="[^"]+"', "", page[page.index('id="status-counts"') :])


def havering_spend():
    lines = ExpenditureLine.objects.filter(scheme__plan__area__slug="havering")
    return lines.aggregate(total=Sum("amount"))["total"]


def test_a_warm_overview_costs_a_few_queries_and_the_same_page(
    client, django_capture_on_commit_callbacks
):
    login(client, "admin")
    cold_page, cold = get(client, django_capture_on_commit_callbacks)
    warm_page, warm = get(client, django_capture_on_commit_callbacks)
    assert table(warm_page) == table(cold_page)
    # session and user (and its save), roles, the round and region (the filter and its
    # choices), the latest change, and savepoints; none of the aggregates.
    assert warm <= 17 < cold - 10
    assert get(client, django_capture_on_commit_callbacks, URL + "&sort=-spend")[1] == warm


def test_an_edited_plan_shows_at_once(client, django_capture_on_commit_callbacks):
    login(client, "admin")
    before = money(havering_spend())
    assert before in get(client, django_capture_on_commit_callbacks)[0]
    line = ExpenditureLine.objects.filter(scheme__plan__area__slug="havering").first()
    line.amount += Decimal("1000000")
    bulk.update_with_history([(line, ("amount",))], user=None)  # the import's writer
    after = money(havering_spend())
    page = get(client, django_capture_on_commit_callbacks)[0]
    assert after in page and before not in page


def test_a_status_change_shows_at_once(client, django_capture_on_commit_callbacks):
    login(client, "admin")
    assert (
        "Submitted"
        not in get(client, django_capture_on_commit_callbacks)[0]
        .split('id="status-counts"')[1]
        .split("</dl>")[0]
    )
    Plan.objects.filter(round__slug="2017-19", area__slug="havering").update(
        status=Plan.Status.SUBMITTED, updated_at=timezone.now()
    )  # in place, without history: the auto-updated time still moves
    counts = get(client, django_capture_on_commit_callbacks)[0].split('id="status-counts"')[1]
    assert "Submitted" in counts.split("</dl>")[0]


def test_writes_without_history_and_returns_change_the_marker():
    marker = overview.latest_change()
    assert overview.latest_change() == marker  # nothing changed: the same marker
    line = ExpenditureLine.objects.filter(scheme__plan__area__slug="havering").first()
    line.pk = None
    ExpenditureLine.objects.bulk_create([line])  # a bulk load leaves no history row
    assert overview.latest_change() != marker
    marker = overview.latest_change()
    ExpenditureLine.objects.filter(pk=line.pk).delete()
    assert overview.latest_change() != marker
    marker = overview.latest_change()
    Role.objects.filter(user__username="london.reviewer").delete()
    assert overview.latest_change() != marker, "a row gone from a table kept without history"
    marker = overview.latest_change()
    plan = Plan.objects.get(round__slug="2017-19", area__slug="havering")
    period = plan.round.return_periods.first()
    plan_return = PlanReturn.objects.create(plan=plan, period=period)
    assert overview.latest_change() != marker, "returns are covered too"
    marker = overview.latest_change()
    plan_return.progress = "Changed"
    plan_return.save()
    assert overview.latest_change() != marker


def test_a_rolled_back_read_is_not_kept(django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="admin")
    calls = []

    def compute():
        calls.append(1)
        return "value"

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            assert overview.kept(user, ("test",), compute) == "value"
            transaction.set_rollback(True)
        assert overview.kept(user, ("test",), compute) == "value"
    assert overview.kept(user, ("test",), compute) == "value"
    assert len(calls) == 2  # computed again after the rollback, then kept


def test_each_user_has_their_own(client, django_capture_on_commit_callbacks):
    login(client, "admin")
    national = get(client, django_capture_on_commit_callbacks, "/overview/?round=2017-19")[0]
    login(client, "london.reviewer")
    regional = get(client, django_capture_on_commit_callbacks, "/overview/?round=2017-19")[0]
    assert "Showing 1 to 50 of 152" in national and "of 152" not in regional


def test_each_plan_s_figures_are_kept_and_only_a_changed_plan_is_summed_again(
    django_capture_on_commit_callbacks,
):
    plans = list(Plan.objects.filter(round__slug="2017-19").select_related("area", "content_stamp"))
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as cold,
    ):
        first = overview.plan_money(plans)
    havering = next(p for p in plans if p.area.slug == "havering")
    assert sum(first[havering.pk]["spend"].values()) == havering_spend()
    with CaptureQueriesContext(connection) as warm:
        assert overview.plan_money(plans) == first
    assert len(warm) == 0 < len(cold)  # stamps came with the plans; nothing summed
    line = ExpenditureLine.objects.filter(scheme__plan=havering).first()
    line.amount += Decimal("1000")
    bulk.update_with_history([(line, ("amount",))], user=None)
    plans = list(Plan.objects.filter(round__slug="2017-19").select_related("area", "content_stamp"))
    with CaptureQueriesContext(connection) as again:
        second = overview.plan_money(plans)
    assert sum(second[havering.pk]["spend"].values()) == havering_spend()
    assert second[havering.pk] != first[havering.pk]
    assert all(second[p.pk] == first[p.pk] for p in plans if p.pk != havering.pk)
    # the kept figures read, and the seven sums and its area's minimums read for
    # Havering alone
    filtered = [q["sql"] for q in again.captured_queries if "IN (" in q["sql"]]
    assert len(filtered) == 8, filtered
    assert all(
        f"IN ({havering.pk})" in sql or f"IN ({havering.area_id})" in sql for sql in filtered
    ), filtered
    assert second[havering.pk]["totals"]["spend"] == havering_spend()


def test_the_marker_is_one_query_and_prepared_on_postgresql():
    """Planning the marker's sub-selects cost more than running them: on PostgreSQL it
    is a prepared statement, still seen by Django's query log, and a rolled-back
    transaction that prepared it leaves the next request able to run it."""
    try:
        with transaction.atomic():
            marker = overview.latest_change()  # prepared here, then rolled back
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    with CaptureQueriesContext(connection) as queries:
        assert overview.latest_change() == marker
    assert len(queries) == 1 and "SELECT (SELECT MAX(" in queries[0]["sql"]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["SELECT (SELECT MAX(%"],
        )
        assert cursor.fetchone()[0] == 1


def test_the_rendered_page_is_kept_apart_and_junk_in_the_address_is_not_echoed(
    client, django_capture_on_commit_callbacks
):
    """The page below the filters is kept rendered in a cache of its own (bounded: a
    user asking for every page and sort cannot push out what plans' pages keep); its
    links carry the filters as understood, not whatever else the address held, and a
    nonsense page number is the first page."""
    from django.core.cache import caches

    login(client, "admin")
    junk = URL + '&utm="><script>alert(1)</script>&page=-4'
    page, _ = get(client, django_capture_on_commit_callbacks, junk)
    assert "utm" not in page and "alert(1)" not in page
    # kept for every later visit by this user, the rendered part holds no form token
    assert "csrfmiddlewaretoken" not in table(page)
    assert 'href="?round=2017-19&amp;region=london&amp;sort=-area"' in page
    assert len(caches[overview.PAGES_CACHE]._cache) == 1
    again, warm = get(client, django_capture_on_commit_callbacks, URL + "&page=1")
    assert table(again) == table(page)
    assert warm <= 17  # the kept page: no sums, no rows read
    # another sort is rendered from the kept rows; the same filters ask for no sums
    other, _ = get(client, django_capture_on_commit_callbacks, URL + "&sort=-spend")
    assert table(other) != table(page)
    assert len(caches[overview.PAGES_CACHE]._cache) == 2
