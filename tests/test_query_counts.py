"""Pages run a fixed number of queries whatever the size of the plan: the counts for
the Havering demo plan stay the same after it grows by 30 schemes, 360 lines and
20 risks."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.models import MetricDefinition, MetricPlanValue, MetricTrajectory
from plans.models import Plan, Risk
from plans.tests.helpers import login
from schemes.models import ExpenditureLine, Scheme

pytestmark = pytest.mark.django_db

BASE = "/plans/2017-19/havering/"
PAGES = [
    "",
    "check/",
    "finance/",
    "finance/income/",
    "schemes/",
    "metrics/",
    "sections/risks/",
    "sections/milestones/",
    "sections/hicm/",
    "sections/sign-off/",
    "sections/national-conditions/",
    "sections/vision/",
    "sections/plan-details/",
]


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def grow(plan):
    round_ = plan.round
    sources = list(round_.funding_sources.filter(parent__isnull=True))
    years = list(round_.years.all())
    area = round_.areaofspend_set.first()
    schemes = Scheme.objects.bulk_create(
        Scheme(plan=plan, code=f"Z{n}", name=f"Synthetic scheme {n}") for n in range(30)
    )
    ExpenditureLine.objects.bulk_create(
        ExpenditureLine(
            scheme=scheme,
            source=sources[n % len(sources)],
            year=years[n % 2],
            amount=Decimal("1000.00"),
            area_of_spend=area,
        )
        for scheme in schemes
        for n in range(12)
    )
    dtoc = MetricDefinition.objects.get(round=round_, code="dtoc")
    extra = MetricTrajectory.objects.create(plan=plan, metric=dtoc, name="Synthetic", is_plan=False)
    MetricPlanValue.objects.bulk_create(
        MetricPlanValue(trajectory=extra, period=period, value=1, numerator=1, denominator=1000)
        for period in dtoc.periods.all()
    )
    Risk.objects.bulk_create(
        Risk(
            narrative=plan.narrative,
            reference=f"Z{n}",
            description="Synthetic",
            likelihood=2,
            impact=3,
            order=100 + n,
        )
        for n in range(20)
    )


def test_page_queries_do_not_grow_with_the_plan(client):
    login(client, "bhr.commissioner")
    # Warm up: first visits create structural rows (sign-off, HICM) once.
    for page in PAGES:
        client.get(BASE + page)
    before = {page: count_queries(client, BASE + page) for page in PAGES}
    grow(Plan.objects.get(round__slug="2017-19", area__slug="havering"))
    after = {page: count_queries(client, BASE + page) for page in PAGES}
    assert after == before
    # Cold (the tests keep no findings): the finance page runs every rule once (about 22
    # queries), which the task list and check page then share; warm pages read the kept
    # findings with one query (tests/test_findings_cache.py).
    assert max(before.values()) <= 48, before


def test_scheme_page_queries_do_not_grow_with_its_lines(client):
    login(client, "bhr.finance")
    scheme = Scheme.objects.filter(plan__area__slug="havering").order_by("code").first()
    url = f"{BASE}schemes/{scheme.code}/"
    before = count_queries(client, url)
    source = scheme.plan.round.funding_sources.filter(parent__isnull=True).first()
    year = scheme.plan.round.years.first()
    ExpenditureLine.objects.bulk_create(
        ExpenditureLine(scheme=scheme, source=source, year=year, amount=Decimal(n))
        for n in range(40)
    )
    assert count_queries(client, url) == before
