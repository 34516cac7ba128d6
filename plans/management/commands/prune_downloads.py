"""Delete prepared files older than the retention period; run it daily from cron
beside django-tasks-db's `prune_db_task_results`."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from plans.downloads import prune


class Command(BaseCommand):
    help = "Delete background downloads (rows and files) older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.DOWNLOAD_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        count = prune(timezone.now() - timedelta(days=days))
        self.stdout.write(f"Deleted {count} download{'s' if count != 1 else ''}.")
