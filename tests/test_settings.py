import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-" + "x" * 50,
    "ALLOWED_HOSTS": "bcf.example.org",
}


def manage(*args, **env):
    """Run manage.py in a fresh process with the given environment on top of ours."""
    environment = {**os.environ, **env}
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_deploy_checks_pass_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        DATABASE_URL="sqlite:////tmp/bcf-deploy-check.sqlite3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="x")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_collectstatic_succeeds_with_the_production_storage(tmp_path):
    """The hashed, compressed storage fails on any CSS url() to a missing file; it once
    did on GOV.UK Frontend's crest, which we do not ship."""
    import json

    result = manage("collectstatic", "--noinput", **PRODUCTION, STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    css = tmp_path / manifest["build/app.css"]
    assert (tmp_path / (manifest["build/app.css"] + ".gz")).exists()
    assert "crest" not in css.read_text()


READ_THEN_WRITE = """
import time
from django.db import connection, transaction
with transaction.atomic():  # as every request runs (ATOMIC_REQUESTS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        time.sleep({pause})
        cursor.execute("INSERT INTO t VALUES ('{who}')")
print("saved", "{who}")
"""


def test_the_embedded_database_serves_two_writers_without_locked_errors(tmp_path):
    """`make run` serves pages while a task worker writes to the same SQLite file: a
    request that reads, then writes, must wait for the other writer, never fail with
    "database is locked" (it did, at sign-in)."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    setup = manage("shell", "-c", _sql("CREATE TABLE t (who text)"), DATABASE_URL=url)
    assert setup.returncode == 0, setup.stderr
    environment = {**os.environ, "DATABASE_URL": url}
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "shell",
                "--no-imports",
                "-c",
                READ_THEN_WRITE.format(who=w, pause=p),
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w, p in (("worker", 1.5), ("page", 0.5))
    ]
    results = [writer.communicate(timeout=60) for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], [err for _out, err in results]
    assert sorted(out.strip() for out, _err in results) == ["saved page", "saved worker"]


def _sql(statement):
    return f"from django.db import connection\nconnection.cursor().execute({statement!r})\n"


def test_production_can_choose_a_mailer_that_takes_no_host():
    """The bench and a staging site run DEBUG off with an in-memory or console mailer;
    Django 6.1 refuses a host option on those, so sending a mail used to fail."""
    script = (
        "import django; django.setup();"
        "from django.core.mail import send_mail;"
        "print(send_mail('s', 'b', 'from@example.org', ['to@example.org']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            **PRODUCTION,
            "DJANGO_SETTINGS_MODULE": "bcfplans.settings",
            "DATABASE_URL": "sqlite:////tmp/bcf-mailer-check.sqlite3",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"


def test_smtp_mailer_is_given_its_host():
    from bcfplans.settings import mailer

    smtp = mailer({"EMAIL_HOST": "mail.example.org"}, debug=False)
    assert smtp == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "mail.example.org"},
    }
    assert mailer({}, debug=True)["OPTIONS"] == {}


def test_the_cache_keeps_what_the_national_overview_keeps():
    """The overview keeps one entry per plan (152 in a round, 1,520 in the bench's ten
    rounds), beside findings and tables: Django's default cache keeps 300 and pushes
    out a third of them each time it is full, so every overview summed it all again."""
    from django.core.cache import caches

    cache = caches["default"]
    cache.clear()
    entries = {f"bench:{n}": n for n in range(5_000)}
    cache.set_many(entries)
    assert cache.get_many(list(entries)) == entries
    cache.clear()


def test_gunicorn_workers_set_what_they_loaded_aside_from_the_collector():
    """Full garbage collections walked everything Django had loaded, a pause of
    100 ms and more every few requests; a worker freezes it once loaded. Workers
    recycle rarely: each restart loses everything kept."""
    import gc
    import runpy
    from pathlib import Path

    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert conf["max_requests"] == 50_000
    before = gc.get_freeze_count()
    try:
        conf["post_worker_init"](None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
