"""The history every model of a plan's content keeps: simple_history's, whose bulk
writes also say what they wrote (`bulk_history_written`), as its single saves do with
post_create_historical_record: plans.stamps renews content stamps on both."""

from typing import Any

from django.dispatch import Signal
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords

# sent with sender=the model, rows=[its instances], kind="+" (created) or "~" (updated)
bulk_history_written = Signal()


class AnnouncingHistoryManager(HistoryManager):
    """bulk_create_with_history and bulk_update_with_history send no signal of their
    own: this manager sends one."""

    def bulk_history_create(self, objs, *args, **kwargs):
        objs = list(objs)
        rows = super().bulk_history_create(objs, *args, **kwargs)
        if objs:
            bulk_history_written.send(
                sender=type(objs[0]), rows=objs, kind="~" if kwargs.get("update") else "+"
            )
        return rows


def audit_trail(**options: Any) -> HistoricalRecords:
    return HistoricalRecords(history_manager=AnnouncingHistoryManager, **options)
