import datetime

from django.core.management.base import BaseCommand

from assurance import calendar


class Command(BaseCommand):
    help = (
        "The rounds' daily calendar pass: deadline reminders (once per plan and date), "
        "then escalations of plans past the resubmission deadline or their conditions' "
        "deadlines. Run it daily (cron), or pass --enqueue to hand it to the task worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--enqueue", action="store_true", help="Run it on the task worker.")

    def handle(self, *args, today=None, enqueue=False, **options):
        if enqueue:
            result = calendar.run_calendar.enqueue()
            self.stdout.write(f"Enqueued calendar pass {result.id}.")
            return
        reminded = calendar.send_reminders(today=today)
        escalated = calendar.escalate_overdue(today=today)
        self.stdout.write(f"{reminded} reminders sent, {escalated} plans escalated.")
