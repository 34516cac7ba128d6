"""Where a page's time goes: each page of bench/throughput.py served in this process
by Django's test client, signed in as the national administrator, with its query
count, mean time per request and the top functions of a cProfile.

    PG_URL=postgres://postgres@127.0.0.1:5432/bcfplans_bench \
        .venv/bin/python bench/profile_pages.py [part of a page's name] [repeats]

Run bench/throughput.py once first: it fills the database this reads.
"""

import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    from bench.throughput import ENV, PAGES

    os.environ.update(ENV)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    wanted = sys.argv[1].lower() if len(sys.argv) > 1 else ""
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="admin"))
    for name, path in PAGES.items():
        if wanted not in name.lower():
            continue
        assert client.get(path).status_code == 200, path  # warm caches
        queries = []

        def record(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        # a wrapper, not the DEBUG query log: each request starts by emptying that log
        with connection.execute_wrapper(record):
            client.get(path)
        started = time.perf_counter()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(repeats):
            client.get(path)
        profile.disable()
        mean = (time.perf_counter() - started) / repeats * 1000
        print(f"\n## {name} ({path}): {len(queries)} queries, {mean:.1f} ms per request (profiled)")
        if wanted:
            for sql in queries:
                print("   ", sql[:160])
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue()[-9000:] if wanted else "")


if __name__ == "__main__":
    main()
