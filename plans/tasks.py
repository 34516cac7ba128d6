"""Background tasks, run by `manage.py db_worker` (django-tasks-db)."""

from django.tasks import task


@task(queue_name="default")
def build_download(download_id):
    from .downloads import build

    return build(download_id)
