"""Benchmarks (never timed tests): PDF and Excel times on the demo data and a synthetic
large plan, written with a description of the machine to bench/results/.

    .venv/bin/python bench/run.py            # uses bench/bench.sqlite3
    DATABASE_URL=postgres://... .venv/bin/python bench/run.py
"""

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

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402


def timed(function, repeat=5):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[min(len(samples) - 1, int(len(samples) * 0.95))],
    }


def synthetic_plan(schemes=200, lines_per_scheme=10):
    from plans.models import Plan
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
    return plan


def excel_rows(results, plan, data, read=True):
    """A real upload changing every line, against calamine + one bare transaction
    writing the same rows; and (400 lines) read and check against calamine alone."""
    from bench import imports
    from workbook.reader import read_template

    lines = plan_lines(plan)
    out = []
    if read:
        check = timed(lambda: read_template(data, plan), 9)
        bare = timed(lambda: imports.bare_read(data), 9)
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

    upload_pair()  # warm up
    repeat = 5 if lines <= 400 else 3
    changed = half(timed(upload_pair, repeat))
    anchor = half(timed(bare_pair, repeat))
    results.append((f"Excel upload changing all {lines:,} lines (read, check, write)", changed))
    results.append((f"Anchor: calamine read + one bare transaction, {lines:,} rows", anchor))
    out.append(goal(f"Excel upload changing {lines:,} lines ÷ anchor", changed, anchor, 2))
    return out


def plan_lines(plan):
    from schemes.models import ExpenditureLine

    return ExpenditureLine.objects.filter(scheme__plan=plan).count()


def half(timing):
    return {key: value / 2 for key, value in timing.items()}


def goal(name, measured, anchor, target):
    ratio = measured["p50"] / anchor["p50"]
    verdict = "meets" if ratio <= target else "MISSES"
    return f"- {name}: {ratio:.1f}× (p50), goal ≤ {target}× — {verdict}"


def page_timings():
    """Server time and query count of the main pages with the national dataset loaded."""
    from django.contrib.auth import get_user_model
    from django.db import connection as db
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("generate_national_dataset", verbosity=0)
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    pages = {
        "Task list": "/plans/2017-19/havering/",
        "Scheme list": "/plans/2017-19/havering/schemes/",
        "Finance summary": "/plans/2017-19/havering/finance/",
        "Overview (national, 152 HWBs)": "/overview/?round=2017-19",
    }
    out = []
    for name, url in pages.items():
        client.get(url)  # warm up (kept findings, compiled queries)
        reset_queries()  # DEBUG's query log is full after the dataset: count from empty
        with CaptureQueriesContext(db) as queries:
            status = client.get(url).status_code
        assert status == 200, (url, status)
        out.append((f"{name}: {len(queries)} queries", timed(lambda url=url: client.get(url), 7)))
    return out


def main():
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    from plans.models import Plan
    from reports.pdf import plan_pdf
    from workbook.writer import build_template

    results, ratios = [], []
    havering = Plan.objects.get(round__slug="2017-19", area__slug="havering")
    partners = list(havering.narrative.plans.select_related("area"))
    results.append(
        ("PDF, BHR joint plan (Havering)", timed(lambda: plan_pdf(havering, partners), 3))
    )
    large = synthetic_plan()
    results.append(("PDF, 200 schemes and 2,000 lines", timed(lambda: plan_pdf(large, [large]), 3)))
    large_400 = synthetic_plan(schemes=40, lines_per_scheme=10)
    data = build_template(large_400.round, large_400)
    results.append(
        (
            "Excel template export, 400 lines",
            timed(lambda: build_template(large_400.round, large_400)),
        )
    )
    ratios += excel_rows(results, large_400, data)
    large_4000 = synthetic_plan(schemes=400, lines_per_scheme=10)
    ratios += excel_rows(results, large_4000, None, read=False)
    if os.environ.get("BENCH_PAGES", "1") != "0":  # BENCH_PAGES=0: PDF and Excel only
        results += page_timings()
    reset_queries()
    lines = [
        "# BCF Plans benchmarks",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: {platform.platform()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, database {connection.vendor}; "
        f"load average {os.getloadavg()[0]:.1f} at the end (the CPUs are shared with other work, "
        "so read the ratios, each measured in the same run, rather than the seconds).",
        "",
        "| measurement | p50 (s) | p95 (s) |",
        "|---|---|---|",
    ] + [f"| {name} | {r['p50']:.3f} | {r['p95']:.3f} |" for name, r in results]
    lines += ["", *ratios]
    out = ROOT / "bench" / "results" / f"{connection.vendor}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
