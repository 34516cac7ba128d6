"""Files prepared in the background: national exports and large plans' PDFs go through
the django-tasks-db queue, report progress, and reach only the person who asked."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from plans import downloads
from plans.downloads import build_download
from plans.models import Download, Plan
from schemes.models import ExpenditureLine

from .helpers import login

pytestmark = pytest.mark.django_db

HAVERING = "/plans/2017-19/havering/"


def run_queued():
    """What the worker does with each queued task, in this test's transaction."""
    for download in Download.objects.filter(status=Download.Status.QUEUED):
        build_download.call(str(download.pk))


def submit_bhr():
    Plan.objects.filter(round__slug="2017-19").update(status=Plan.Status.SUBMITTED)


def ask(client, url, **data):
    response = client.post(url, data)
    assert response.status_code == 302, response.status_code
    return Download.objects.get(pk=response["Location"].split("/")[2])


def test_the_national_workbook_is_queued_then_prepared_with_every_submitted_line(client):
    submit_bhr()
    login(client, "admin")
    download = ask(client, "/exports/", format="xlsx")
    assert download.status == Download.Status.QUEUED
    task = DBTaskResult.objects.get(pk=download.task_id)
    assert task.task_path == "plans.downloads.build_download"
    assert task.args_kwargs["args"] == [str(download.pk)]
    page = client.get(download.get_absolute_url()).content.decode()
    assert "Waiting to start" in page and "data-status-url" in page

    run_queued()
    download.refresh_from_db()
    assert download.status == Download.Status.READY
    assert (download.steps_done, download.steps_total, download.percent) == (3, 3, 100)
    status = client.get(f"/downloads/{download.pk}/status.json").json()
    assert status["status"] == "ready" and status["file_url"].endswith("/file")

    response = client.get(f"/downloads/{download.pk}/file")
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    lines = ExpenditureLine.objects.filter(scheme__plan__round__slug="2017-19")
    assert book["Expenditure"].max_row == lines.count() + 1
    total = sum(
        Decimal(str(row[0]))
        for row in book["Expenditure"].iter_rows(min_row=2, min_col=20, values_only=True)
    )
    assert total == sum(lines.values_list("amount", flat=True))
    # Seed 8.4: 68,408 + 74,693 thousand, which the pounds round to 143,102 overall.
    assert round(total / 1000) == 143102


def test_the_national_csv_opens_in_excel_with_the_pound_sign(client):
    submit_bhr()
    login(client, "admin")
    download = ask(client, "/exports/", format="csv")
    run_queued()
    content = b"".join(client.get(f"/downloads/{download.pk}/file").streaming_content)
    assert content.startswith("\ufeffRound,ONS code,Health and Wellbeing Board".encode())
    assert "Amount (£)".encode() in content.splitlines()[0]
    assert (
        len(content.splitlines())
        == 1 + ExpenditureLine.objects.filter(scheme__plan__round__slug="2017-19").count()
    )


def test_only_national_administrators_may_ask_for_national_exports(client):
    for username in ("bhr.commissioner", "bhr.finance", "london.reviewer"):
        login(client, username)
        assert client.post("/exports/", {"format": "xlsx"}).status_code == 403
        assert client.get("/exports/").status_code == 403
    login(client, "admin")
    for bad in ("pdf", "", "xlsx' OR 1=1", "x" * 10_000):
        assert client.post("/exports/", {"format": bad}).status_code == 400
    assert not Download.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_asking_twice_while_it_is_being_prepared_does_the_work_once(client):
    login(client, "admin")
    first = ask(client, "/exports/", format="xlsx")
    assert ask(client, "/exports/", format="xlsx") == first
    assert ask(client, "/exports/", format="csv") != first
    assert DBTaskResult.objects.count() == 2
    run_queued()
    assert ask(client, "/exports/", format="xlsx") != first  # a finished one is not reused


def test_a_task_delivered_twice_builds_once(client):
    login(client, "admin")
    download = ask(client, "/exports/", format="csv")
    assert downloads.build(download.pk).startswith("downloads/")
    assert downloads.build(download.pk) == "already claimed"


def test_a_large_plans_pdf_is_prepared_in_the_background(client, settings):
    settings.PDF_BACKGROUND_MIN_LINES = 1
    login(client, "bhr.commissioner")
    response = client.get(HAVERING + "plan.pdf")
    assert response.status_code == 302
    assert response["Location"] == HAVERING + "plan.pdf/prepare/"
    assert "Prepare the PDF" in client.get(response["Location"]).content.decode()
    assert not Download.objects.exists()  # looking at the page asks for nothing

    download = ask(client, HAVERING + "plan.pdf/prepare/")
    assert download.plan.area.slug == "havering" and download.kind == "plan_pdf"
    run_queued()
    download.refresh_from_db()
    assert download.status == "ready" and download.filename == "bcf-2017-19-havering.pdf"
    response = client.get(f"/downloads/{download.pk}/file")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_small_plans_pdfs_are_still_served_at_once(client, settings):
    settings.PDF_BACKGROUND_MIN_LINES = 10_000
    login(client, "bhr.commissioner")
    response = client.get(HAVERING + "plan.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_nobody_else_sees_a_download_not_even_a_colleague(client):
    login(client, "bhr.commissioner")
    download = ask(client, HAVERING + "plan.pdf/prepare/")
    run_queued()
    urls = [f"/downloads/{download.pk}/", f"/downloads/{download.pk}/status.json"]
    urls.append(f"/downloads/{download.pk}/file")
    for username in ("bhr.finance", "barnet.commissioner", "london.reviewer"):
        login(client, username)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404]
        assert str(download.pk) not in client.get("/downloads/").content.decode()
    login(client, "barnet.commissioner")
    assert client.post(HAVERING + "plan.pdf/prepare/").status_code == 404
    login(client, "bhr.commissioner")
    assert "Plan as a PDF: Havering" in client.get("/downloads/").content.decode()


def test_a_file_is_withheld_once_access_to_the_plan_is_withdrawn(client):
    login(client, "bhr.commissioner")
    download = ask(client, HAVERING + "plan.pdf/prepare/")
    run_queued()
    download.requested_by.roles.get().areas.remove(download.plan.area)
    assert client.get(f"/downloads/{download.pk}/file").status_code == 404


def test_a_file_that_is_not_ready_cannot_be_fetched(client):
    login(client, "admin")
    download = ask(client, "/exports/", format="csv")
    assert client.get(f"/downloads/{download.pk}/file").status_code == 404


def test_a_failed_build_says_so_with_a_reference_and_keeps_no_file(client, monkeypatch):
    def broken(download, progress):
        progress.begin(2)
        progress.step("Reading every submitted plan's expenditure")
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(downloads.BUILDERS, Download.Kind.NATIONAL_FINANCE_CSV, broken)
    login(client, "admin")
    download = ask(client, "/exports/", format="csv")
    with pytest.raises(RuntimeError):
        run_queued()
    download.refresh_from_db()
    assert download.status == "failed" and not download.file
    assert download.reference in download.error
    assert download.step_label == "Reading every submitted plan's expenditure"
    page = client.get(download.get_absolute_url()).content.decode()
    assert "could not be prepared" in page and download.reference in page
    assert "data-status-url" not in page  # nothing left to poll
    assert 'id="ask-again" href="/exports/"' in page


def test_a_build_whose_worker_died_is_reported_failed_not_left_running(client):
    login(client, "admin")
    crashed = ask(client, "/exports/", format="csv")
    DBTaskResult.objects.filter(pk=crashed.task_id).update(status="FAILED")
    assert client.get(f"/downloads/{crashed.pk}/status.json").json()["status"] == "failed"
    assert "quote " + crashed.reference in client.get(crashed.get_absolute_url()).content.decode()

    stuck = ask(client, "/exports/", format="csv")
    Download.objects.filter(pk=stuck.pk).update(status=Download.Status.RUNNING)
    assert client.get(f"/downloads/{stuck.pk}/status.json").json()["status"] == "running"
    Download.objects.filter(pk=stuck.pk).update(
        requested_at=timezone.now() - downloads.LOST_AFTER - timedelta(seconds=1)
    )
    assert client.get(f"/downloads/{stuck.pk}/status.json").json()["status"] == "failed"
    assert downloads.build(stuck.pk) == "already claimed"  # a late start does nothing


def test_progress_is_written_step_by_step(client):
    login(client, "admin")
    download = ask(client, "/exports/", format="xlsx")
    progress = downloads.Progress(download)
    progress.begin(4)
    progress.step("One")
    progress.step("Two")
    progress.step("Three")
    status = client.get(f"/downloads/{download.pk}/status.json").json()
    assert (status["percent"], status["step"], status["file_url"]) == (50, "Three", None)


def test_old_downloads_and_their_files_are_pruned(client):
    login(client, "admin")
    old = ask(client, "/exports/", format="csv")
    run_queued()
    fresh = ask(client, "/exports/", format="csv")
    old.refresh_from_db()
    path = old.file.path
    Download.objects.filter(pk=old.pk).update(requested_at=timezone.now() - timedelta(days=8))
    out = io.StringIO()
    call_command("prune_downloads", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 download."
    assert list(Download.objects.all()) == [fresh]
    import os

    assert not os.path.exists(path)


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_runs_the_queue():
    """`manage.py db_worker --batch` takes the queued task, runs it and records it."""
    call_command("load_demo", verbosity=0, assurance=False)  # transactional tests start empty
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    download = downloads.request_download(admin, Download.Kind.NATIONAL_FINANCE_CSV)
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    download.refresh_from_db()
    assert download.status == "ready"
    task = DBTaskResult.objects.get(pk=download.task_id)
    assert task.status == "SUCCESSFUL" and task.return_value == download.file.name


def test_the_downloads_list_keeps_its_query_count_as_files_pile_up(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, "bhr.commissioner")
    havering = Plan.objects.get(round__slug="2017-19", area__slug="havering")
    user = havering.area.roles.get(kind="commissioner").user

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/downloads/").status_code == 200
        return len(queries)

    Download.objects.create(kind="plan_pdf", plan=havering, requested_by=user)
    few = count()
    Download.objects.bulk_create(
        Download(kind="plan_pdf", plan=havering, requested_by=user, status="failed")
        for _ in range(30)
    )
    assert count() == few
