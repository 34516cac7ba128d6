"""Benchmarks (never timed tests): PDF and Excel times on the demo data and a synthetic
large plan, written with a description of the machine to bench/results/.

    .venv/bin/python bench/run.py            # uses bench/bench.sqlite3
    DATABASE_URL=postgres://... .venv/bin/python bench/run.py
"""

import gc
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bcfplans.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402


def timed(function, repeat=21, warm=1, before=None):
    """p50 and p95 of `repeat` runs after `warm` untimed ones. p95 is interpolated
    between the order statistics (statistics.quantiles, inclusive), so with five or
    more runs it is not simply the slowest; the slowest is reported as max.
    `before`, if given, runs untimed before each run (a write whose effect is timed)."""
    for _ in range(warm):
        if before:
            before()
        function()
    samples = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return {
        "p50": statistics.median(samples),
        "p95": statistics.quantiles(samples, n=20, method="inclusive")[18],
        "max": max(samples),
        "n": repeat,
    }


def synthetic_plan(schemes=200, lines_per_scheme=10):
    from plans.models import Plan
    from plans.stamps import touch
    from schemes.models import ExpenditureLine, Scheme

    plan = Plan.objects.get(round__slug="2014-16", area__slug="lancashire")
    Scheme.objects.filter(plan=plan, code__startswith="B").delete()
    sources = list(plan.round.funding_sources.filter(parent__isnull=True))
    years = list(plan.round.years.all())
    created = Scheme.objects.bulk_create(
        Scheme(plan=plan, code=f"B{n:03d}", name=f"Synthetic scheme {n}", order=n)
        for n in range(schemes)
    )
    ExpenditureLine.objects.bulk_create(
        ExpenditureLine(
            scheme=s, source=sources[n % len(sources)], year=years[n % 2], amount=Decimal("1234.56")
        )
        for s in created
        for n in range(lines_per_scheme)
    )
    touch([plan.pk])  # lines made in bulk, without history rows
    return plan


def excel_rows(results, plan, data, read=True):
    """A real upload changing every line, against calamine + one bare transaction
    writing the same rows; and (400 lines) read and check against calamine alone."""
    from bench import imports
    from workbook.reader import read_template

    lines = plan_lines(plan)
    out = []
    if read:
        check = timed(lambda: read_template(data, plan), 21)
        bare = timed(lambda: imports.bare_read(data), 21)
        results.append((f"Excel template read and check, {lines:,} lines", check))
        results.append(("Bare read of the same file with python-calamine", bare))
        out.append(goal("Excel read and check ÷ bare calamine read", check, bare, 3))
    user, first, second = imports.changing_pair(plan)

    def upload_pair():
        imports.upload(user, plan, first)
        imports.upload(user, plan, second)

    def bare_pair():
        imports.bare_read(first)
        imports.bare_write(plan, 1)
        imports.bare_read(second)
        imports.bare_write(plan, -1)

    repeat = 11 if lines <= 400 else 5
    changed = half(timed(upload_pair, repeat))
    anchor = half(timed(bare_pair, repeat))
    results.append((f"Excel upload changing all {lines:,} lines (read, check, write)", changed))
    results.append((f"Anchor: calamine read + one bare transaction, {lines:,} rows", anchor))
    out.append(goal(f"Excel upload changing {lines:,} lines ÷ anchor", changed, anchor, 2))
    return out


def write_rows(results, plan):
    """The write half of the upload alone (compare, write with history rows, say what
    changed), against one bare transaction writing the same rows."""
    from bench import imports

    lines = plan_lines(plan)
    user = get_user_model().objects.get(username="lancashire.commissioner")
    up, down = imports.parsed_as_read(plan, 1), imports.parsed_as_read(plan, 0)

    def pair():
        imports.write_half(user, plan, up)
        imports.write_half(user, plan, down)

    def bare():
        imports.bare_write(plan, 1)
        imports.bare_write(plan, -1)

    repeat = 11 if lines <= 400 else 5
    ours, anchor = half(timed(pair, repeat)), half(timed(bare, repeat))
    results.append((f"Upload's write half alone, {lines:,} lines changed", ours))
    results.append((f"Anchor: one bare transaction writing the same {lines:,} rows", anchor))
    return goal(f"Upload's write half, {lines:,} lines ÷ bare transaction", ours, anchor, 2)


def plan_lines(plan):
    from schemes.models import ExpenditureLine

    return ExpenditureLine.objects.filter(scheme__plan=plan).count()


def half(timing):
    return {key: value / 2 if key != "n" else value for key, value in timing.items()}


def goal(name, measured, anchor, target):
    ratio = measured["p50"] / anchor["p50"]
    verdict = "meets" if ratio <= target else "MISSES"
    return f"- {name}: {ratio:.2f}× (p50), goal ≤ {target}× — {verdict}"


def ceiling(name, measured, target):
    verdict = "meets" if measured["p95"] <= target else "MISSES"
    return (
        f"- {name}: p95 {measured['p95'] * 1000:.0f} ms, goal ≤ {target * 1000:.0f} ms — {verdict}"
    )


def page_timings(results, ratios):
    """Server time and query count of the main pages with the national dataset loaded,
    then the overview at 152 and at 1,520 plans, cold (nothing kept) and warm."""
    from django.contrib.auth import get_user_model
    from django.core.cache import caches
    from django.db import connection as db
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("generate_national_dataset", verbosity=0)
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    # as a gunicorn worker does once Django is loaded (gunicorn.conf.py): what is
    # loaded so far is set aside from the garbage collector's full passes
    gc.collect()
    gc.freeze()
    pages = {
        "Task list": "/plans/2017-19/havering/",
        "Scheme list": "/plans/2017-19/havering/schemes/",
        "Finance summary": "/plans/2017-19/havering/finance/",
        "Check": "/plans/2017-19/havering/check/",
        "Metrics": "/plans/2017-19/havering/metrics/",
        "API: plans, first page": "/api/plans/",
        "Overview (national, 152 HWBs), warm": OVERVIEW,
    }
    for name, url in pages.items():
        results.append(page_row(client, name, url, db, CaptureQueriesContext))
    ratios.append(ceiling("Overview, 152 HWBs, warm", results[-1][1], 0.2))

    def cold():
        for cache in caches.all():  # the kept figures and the rendered pages
            cache.clear()
        client.get(OVERVIEW)

    at_152 = timed(cold, 11)
    results.append(("Overview (national, 152 HWBs), cold: nothing kept", at_152))
    ratios.append(ceiling("Overview, 152 HWBs, cold", at_152, 0.2))
    changed = timed(lambda: client.get(OVERVIEW), 11, before=one_plan_changed())
    results.append(("Overview (national, 152 HWBs), after one plan's change", changed))
    ratios.append(ceiling("Overview, 152 HWBs, after one plan's change", changed, 0.2))
    if os.environ.get("BENCH_1520", "1") == "0":
        return
    ten_times_the_nation()
    results.append(
        page_row(client, "Overview (1,520 HWBs), warm", OVERVIEW, db, CaptureQueriesContext)
    )
    ratios.append(ceiling("Overview, 1,520 HWBs, warm (≤ 2 × 200 ms)", results[-1][1], 0.4))
    at_1520 = timed(cold, 5)
    results.append(("Overview (1,520 HWBs), cold: nothing kept", at_1520))
    ratios.append(ceiling("Overview, 1,520 HWBs, cold (≤ 2 × 200 ms)", at_1520, 0.4))


OVERVIEW = "/overview/?round=2017-19"


def one_plan_changed():
    """What makes the overview's usual request: one area's edit just before it (a saved
    income line: a history row and a renewed stamp), every other plan's figures kept."""
    from django.db import transaction

    from finance.models import IncomeLine

    line = IncomeLine.objects.filter(plan__round__slug="2017-19", plan__area__slug="havering")[0]
    step = [Decimal(1)]

    def edit():
        with transaction.atomic():
            line.amount += step[0]
            line.save()
        step[0] = -step[0]

    return edit


def page_row(client, name, url, db, capture):
    client.get(url)  # warm up (kept findings and overview, compiled queries)
    reset_queries()  # DEBUG's query log may be full after the dataset: count from empty
    with capture(db) as queries:
        status = client.get(url).status_code
    assert status == 200, (url, status)
    return (f"{name}: {len(queries)} queries", timed(lambda: client.get(url), 21))


def ten_times_the_nation():
    """1,368 more synthetic areas (10 × the 152 boards), each with a synthetic plan."""
    from plans.models import Area, Region

    regions = list(Region.objects.all())
    Area.objects.bulk_create(
        [
            Area(
                name=f"Synthetic area {n}",
                slug=f"synthetic-area-{n}",
                ons_code=f"E10{n:06d}",
                region=regions[n % len(regions)],
            )
            for n in range(1368)
        ],
        ignore_conflicts=True,
    )
    call_command("generate_national_dataset", verbosity=0)


def pdf_rows(results, ratios, plan, partners):
    """The plan's PDF against bare WeasyPrint of the same HTML, same PDF variant."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from reports.pdf import plan_document, plan_pdf

    html = render_to_string("plans/pdf/plan.html", plan_document(plan, partners))
    ours = timed(lambda: plan_pdf(plan, partners), 5)
    bare = timed(lambda: HTML(string=html, base_url="/").write_pdf(pdf_variant="pdf/ua-1"), 5)
    results.append(("PDF, BHR joint plan (Havering)", ours))
    results.append(("Anchor: bare WeasyPrint of the same HTML (PDF/UA-1)", bare))
    ratios.append(goal("PDF ÷ bare WeasyPrint", ours, bare, 1.1))


def main():
    from django.conf import settings

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    settings.DEBUG = False  # time what production runs, without DEBUG's query log
    from plans.models import Plan
    from reports.pdf import plan_pdf
    from workbook.writer import build_template

    results, ratios = [], []
    started = time.monotonic()
    havering = Plan.objects.get(round__slug="2017-19", area__slug="havering")
    partners = list(havering.narrative.plans.select_related("area"))
    pdf_rows(results, ratios, havering, partners)
    large = synthetic_plan()
    results.append(("PDF, 200 schemes and 2,000 lines", timed(lambda: plan_pdf(large, [large]), 3)))
    large_400 = synthetic_plan(schemes=40, lines_per_scheme=10)
    data = build_template(large_400.round, large_400)
    results.append(
        (
            "Excel template export, 400 lines",
            timed(lambda: build_template(large_400.round, large_400), 5),
        )
    )
    ratios.append(write_rows(results, large_400))
    excel = os.environ.get("BENCH_EXCEL", "1") != "0"
    try:
        ratios += excel_rows(results, large_400, data) if excel else []
    except Exception as error:  # say so in the results, and time the rest
        ratios.append(f"- Excel upload rows not measured: the upload failed ({error!r:.200})")
        excel = False
    large_4000 = synthetic_plan(schemes=400, lines_per_scheme=10)
    ratios.append(write_rows(results, large_4000))
    if excel:
        ratios += excel_rows(results, large_4000, None, read=False)
    if os.environ.get("BENCH_PAGES", "1") != "0":  # BENCH_PAGES=0: PDF and Excel only
        page_timings(results, ratios)
    reset_queries()
    load = os.getloadavg()
    lines = [
        "# BCF Plans benchmarks",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: {platform.platform()}, "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, database {connection.vendor}, DEBUG off; "
        f"{time.monotonic() - started:.0f} s; load average {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} (1/5/15 min) at the end. The CPUs are shared with other work "
        f"{os.environ.get('BENCH_SHARED', '')}, so read the ratios, each measured in the "
        "same run, rather than the seconds.",
        "",
        "p50 and p95 of n timed runs after one untimed warm-up run; p95 interpolated "
        "(statistics.quantiles, inclusive); query counts of one request, counted from an "
        "empty log after the national dataset was loaded.",
        "",
        "| measurement | p50 (s) | p95 (s) | max (s) | n |",
        "|---|---|---|---|---|",
    ] + [
        f"| {name} | {r['p50']:.3f} | {r['p95']:.3f} | {r['max']:.3f} | {r['n']} |"
        for name, r in results
    ]
    lines += ["", "Against the goals of issue 22:", "", *ratios]
    out = ROOT / "bench" / "results" / f"{connection.vendor}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
