"""Preparing files in the background. A view asks for a download; one task, run by
the django-tasks-db worker, builds it step by step, recording progress on the
`Download` row so the progress page can show it; the file lands in the default
storage, which every app server and worker shares."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.tasks import TaskResultStatus, task
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone

from .models import Download

logger = logging.getLogger(__name__)

LOST_AFTER = timedelta(minutes=30)

type Builder = Callable[[Download, "Progress"], "BuiltFile"]

# Each kind is built by a function (download, progress) -> BuiltFile that the app
# owning the content registers from its AppConfig.ready(), so this floor never
# imports the apps above it.
BUILDERS: dict[str, Builder] = {}


def register_builder(kind: str, builder: Builder) -> None:
    BUILDERS[kind] = builder


@dataclass(frozen=True)
class BuiltFile:
    content: bytes
    filename: str
    content_type: str


class Progress:
    """Tells the progress page how far a build has got. A builder calls `begin` with its
    number of steps, then `step` as each starts; every call is its own write, outside
    any transaction, so the page sees it at once."""

    def __init__(self, download):
        self.download_id = download.pk
        self.steps_total = 1
        self.done = 0

    def begin(self, steps_total):
        self.steps_total = steps_total
        Download.objects.filter(pk=self.download_id).update(steps_total=steps_total)

    def step(self, label):
        Download.objects.filter(pk=self.download_id).update(
            step_label=label[:120], steps_done=min(self.done, self.steps_total)
        )
        self.done += 1


def request_download(user, kind, plan=None):
    """Queue a build, or return the same user's unfinished one of the same file, so
    pressing the button twice does not do the work twice. The task row and the
    download row commit together, so the worker never sees one without the other."""
    with transaction.atomic():
        pending = Download.objects.for_user(user).unfinished().filter(kind=kind, plan=plan).first()
        if pending is not None:
            return pending
        download = Download.objects.create(kind=kind, requested_by=user, plan=plan)
        result = build_download.enqueue(str(download.pk))
        download.task_id = str(result.id)
        download.save(update_fields=["task_id"])
    return download


def build(download_id):
    """Run one build. Claims the row with a conditional update so a task delivered
    twice builds once; a failure is recorded on the row with a reference to quote."""
    claimed = Download.objects.filter(pk=download_id, status=Download.Status.QUEUED).update(
        status=Download.Status.RUNNING
    )
    if not claimed:
        return "already claimed"
    download = Download.objects.select_related("plan__round", "plan__area", "requested_by").get(
        pk=download_id
    )
    try:
        built = BUILDERS[download.kind](download, Progress(download))
        download.file.save(built.filename, ContentFile(built.content), save=False)
    except Exception:
        logger.exception("Download %s (%s) failed", download.reference, download.kind)
        Download.objects.filter(pk=download_id).update(
            status=Download.Status.FAILED,
            finished_at=timezone.now(),
            error=(
                "Something went wrong preparing this file. Try again; if it fails again, "
                f"contact the BCF support team quoting {download.reference}."
            ),
        )
        raise
    Download.objects.filter(pk=download_id).update(
        status=Download.Status.READY,
        file=download.file.name,
        filename=built.filename,
        content_type=built.content_type,
        steps_done=F("steps_total"),
        step_label="Done",
        finished_at=timezone.now(),
    )
    return download.file.name


@task(queue_name="default")
def build_download(download_id):
    """The background task `manage.py db_worker` runs for each requested download."""
    return build(download_id)


def settle_lost(download):
    """A worker killed mid-build (deploy, out of memory) never reports back. A download
    whose task failed outside our code, vanished, or has not finished within
    `LOST_AFTER` is marked failed, so nobody watches a progress bar for ever; a
    late-starting task then finds it no longer queued and does nothing."""
    if download.finished:
        return download
    try:
        lost = build_download.get_result(download.task_id).status == TaskResultStatus.FAILED
    except TaskResultDoesNotExist:
        lost = True
    if lost or timezone.now() - download.requested_at > LOST_AFTER:
        Download.objects.unfinished().filter(pk=download.pk).update(
            status=Download.Status.FAILED,
            finished_at=timezone.now(),
            error=(
                "This file was not finished: the service stopped while preparing it. "
                f"Ask for it again; if it fails again, quote {download.reference}."
            ),
        )
        download.refresh_from_db()
    return download


def prune(older_than):
    """Delete downloads (and their files) requested before `older_than`."""
    old = Download.objects.filter(requested_at__lt=older_than)
    for download in old.exclude(file="").only("file"):
        download.file.delete(save=False)
    count, _ = old.delete()
    return count
