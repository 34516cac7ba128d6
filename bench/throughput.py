"""Throughput under load: wrk against gunicorn (gunicorn.conf.py, DEBUG off) on
PostgreSQL with the synthetic national dataset, each page as a ratio to a minimal
Django view served by the same gunicorn in the same run. Results, with the machine
described, go to bench/results/throughput-postgresql.md.

    make bench        # installs wrk with apt if missing, then runs bench/run.py and this
    PG_URL=postgres://postgres@127.0.0.1:5432/bcfplans_bench .venv/bin/python bench/throughput.py

Client and server share this machine's CPUs, so read the ratios rather than the
absolute figures; wrk's two threads take CPU from gunicorn's workers.
"""

import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/bcfplans_bench")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
PAGES = {
    "Minimal Django view (baseline)": "/bench/minimal",
    "Health check (one query)": "/healthz",
    "Task list": "/plans/2017-19/havering/",
    "Scheme list": "/plans/2017-19/havering/schemes/",
    "Finance summary": "/plans/2017-19/havering/finance/",
    "Check": "/plans/2017-19/havering/check/",
    "Metrics": "/plans/2017-19/havering/metrics/",
    "Overview (national, 152 HWBs)": "/overview/?round=2017-19",
    "API: plans, first page": "/api/plans/",
}
GOALS = {  # issue 22: share of the minimal view's requests/s
    "Task list": 1 / 3,
    "Scheme list": 1 / 3,
    "Finance summary": 1 / 3,
    "Check": 1 / 3,
    "Metrics": 1 / 3,
    "API: plans, first page": 1 / 3,
    "Overview (national, 152 HWBs)": 0.1,
}
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DATABASE_URL": PG_URL,
    "DEBUG": "false",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "BIND": f"127.0.0.1:{PORT}",
    "WEB_CONCURRENCY": str(WORKERS),
}
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def manage(*args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=ENV, check=True)


def create_database():
    import psycopg

    name = urlparse(PG_URL).path.lstrip("/")
    server = PG_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(f'CREATE DATABASE "{name}"')


def session_cookie():
    """A signed-in national administrator's session, made in this process."""
    os.environ.update(ENV)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    return f"sessionid={client.cookies['sessionid'].value}"


def wait_until_up(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds} s")


def check_page(url, cookie):
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        if response.status != 200 or response.url != url:
            raise SystemExit(f"{url} answered {response.status} at {response.url}")


def wrk(url, cookie):
    # --timeout 30s: a slow answer is counted (at its latency), not dropped as an error
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "30s", "--latency"]
    output = subprocess.run(
        [*command, "-H", f"Cookie: {cookie}", url], capture_output=True, text=True, check=True
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        raise SystemExit(f"{url}: {bad.group(1)} responses were errors\n{output}")

    def latency(percentile):
        pattern = rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$"
        value, unit = re.search(pattern, output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    timeouts = re.search(r"timeout (\d+)", output)
    return {
        "rate": rate,
        "p50": latency(50),
        "p99": latency(99),
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }


def main():
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make bench` installs it (apt-get install wrk).")
    create_database()
    manage("migrate", "--noinput", "--verbosity", "0")
    manage("load_demo", "--verbosity", "0")
    manage("generate_national_dataset", "--verbosity", "0")
    manage("collectstatic", "--noinput", "--verbosity", "0")
    cookie = session_cookie()
    log = open(ROOT / "bench" / "gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        wait_until_up(base + "/healthz")
        results = {}
        for name, path in PAGES.items():
            check_page(base + path, cookie)
            subprocess.run(
                ["wrk", "-t1", "-c4", "-d2s", "-H", f"Cookie: {cookie}", base + path],
                capture_output=True,
                check=True,
            )  # warm every worker's caches and connections first
            results[name] = wrk(base + path, cookie)
            print(f"{name}: {results[name]['rate']:.0f} requests/s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    write(results)


def write(results):
    baseline = results["Minimal Django view (baseline)"]["rate"]
    lines = [
        "# Throughput: wrk against gunicorn on PostgreSQL",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs "
        "shared by wrk and gunicorn.",
        f"gunicorn: {WORKERS} sync workers, DEBUG off, PostgreSQL at {urlparse(PG_URL).hostname} "
        "with the synthetic national dataset (152 plans). "
        f"wrk: 2 threads, {CONNECTIONS} connections, {DURATION} s per page after a 2 s warm-up, "
        "signed in as a national administrator.",
        "",
        f"Load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"(1/5/15 min). {os.environ.get('BENCH_SHARED', '')}",
        "",
        "| page | requests/s | p50 latency (ms) | p99 latency (ms) | timeouts "
        "| share of the minimal view | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        share, target = r["rate"] / baseline, GOALS.get(name)
        verdict = (
            ""
            if target is None
            else (f"≥ {target:.2f} — {'meets' if share >= target else 'MISSES'}")
        )
        lines.append(
            f"| {name} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['timeouts']} "
            f"| {share:.2f} | {verdict} |"
        )
    out = ROOT / "bench" / "results" / "throughput-postgresql.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
