import datetime

from django.core.management.base import BaseCommand

from returns.reminders import send_return_reminders


class Command(BaseCommand):
    help = (
        "Mail each area's return preparers before a return is due (the period's "
        "remind_days_before) and once it is overdue; never twice for the same plan, "
        "return and kind. Run it daily (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args, today=None, **options):
        sent = send_return_reminders(today=today)
        self.stdout.write(
            f"{sent['due_soon']} return reminders and {sent['overdue']} overdue notices sent."
        )
