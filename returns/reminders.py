"""Reminders of returns: the area's preparers (its commissioners and finance officers)
are mailed `remind_days_before` a return is due (the round's data, per period) and
again once it is overdue, while the plan is in delivery and the return not submitted.
Each is sent at most once per plan, period and kind (ReturnReminder), so running the
`send_return_reminders` command daily, or twice, never resends. Overdue notices go
only for returns that fell due within RETURN_OVERDUE_WINDOW_DAYS (a setting, 60 days
by default), so a new installation does not chase years-old returns."""

import datetime
from collections import defaultdict
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from plans.models import Plan, ReturnPeriod, Role

from .models import PlanReturn, ReturnReminder
from .selectors import DELIVERY_STATUSES

Kind = ReturnReminder.Kind
PREPARERS = (Role.Kind.COMMISSIONER, Role.Kind.FINANCE_OFFICER)


def overdue_window() -> int:
    return int(getattr(settings, "RETURN_OVERDUE_WINDOW_DAYS", 60))


def kind_on(period: ReturnPeriod, today: datetime.date) -> str | None:
    """Which notice the period calls for today, if any. No queries."""
    if today > period.due:
        return Kind.OVERDUE if (today - period.due).days <= overdue_window() else None
    if (period.due - today).days <= period.remind_days_before:
        return Kind.DUE_SOON
    return None


def _emails(plans: list[Plan]) -> dict[int, list[str]]:
    """{area id: its active preparers' addresses}: one query."""
    found: defaultdict[int, set[str]] = defaultdict(set)
    rows = (
        get_user_model()
        .objects.filter(
            roles__kind__in=PREPARERS,
            roles__areas__in={p.area_id for p in plans},
            is_active=True,
        )
        .exclude(email="")
        .values_list("roles__areas", "email")
    )
    for area_id, email in rows:
        found[area_id].add(email)
    return {area: sorted(emails) for area, emails in found.items()}


def _message(kind: str, plan: Plan, period: ReturnPeriod, today: datetime.date) -> tuple[str, str]:
    where = reverse("plans:return", args=[plan.round.slug, plan.area.slug, period.slug])
    if kind == Kind.OVERDUE:
        days = (today - period.due).days
        subject = f"Overdue: the {period.label} return for {plan.area.name}"
        lead = (
            f"The {period.label} return for {plan.area.name} was due on "
            f"{period.due:%A %-d %B %Y} and has not been submitted ({days} day"
            f"{'s' if days != 1 else ''} late). Please complete and submit it now."
        )
    else:
        subject = (
            f"Reminder: the {period.label} return for {plan.area.name} is due "
            f"{period.due:%-d %B %Y}"
        )
        lead = (
            f"The {period.label} return for {plan.area.name} ({plan.round.name}) is due on "
            f"{period.due:%A %-d %B %Y}. It covers {period.starts:%-d %B %Y} to "
            f"{period.ends:%-d %B %Y}."
        )
    return subject, f"{lead}\n\nThe return is at {where} in BCF Plans.\n"


def _once(plan: Plan, period: ReturnPeriod, kind: str, recipients: int) -> bool:
    """Record the notice; False if it was already sent (the unique row exists)."""
    try:
        with transaction.atomic():
            ReturnReminder.objects.create(
                plan=plan, period=period, kind=kind, recipients=recipients
            )
    except IntegrityError:
        return False
    return True


def send_return_reminders(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send today's reminders and overdue notices; {kind: how many plans were mailed}.
    Three queries per period that calls for one, whatever the number of plans."""
    today = today or timezone.localdate()
    sent = {Kind.DUE_SOON.value: 0, Kind.OVERDUE.value: 0}
    periods = ReturnPeriod.objects.filter(
        round__return_settings__isnull=False,
        due__gte=today - datetime.timedelta(days=overdue_window()),
    ).select_related("round")
    for period in periods:
        kind = kind_on(period, today)
        if kind is None:
            continue
        submitted = PlanReturn.objects.filter(
            period=period, status=PlanReturn.Status.SUBMITTED
        ).values("plan")
        plans = list(
            Plan.objects.filter(round=period.round_id, status__in=DELIVERY_STATUSES)
            .exclude(pk__in=submitted)
            .exclude(pk__in=ReturnReminder.objects.filter(period=period, kind=kind).values("plan"))
            .select_related("area", "round")
        )
        emails = _emails(plans) if plans else {}
        for plan in plans:
            recipients = emails.get(plan.area_id, [])
            with transaction.atomic():
                if not _once(plan, period, kind, len(recipients)):
                    continue
                if recipients:
                    subject, body = _message(kind, plan, period, today)
                    transaction.on_commit(partial(send_mail, subject, body, None, recipients))
            sent[kind] += 1
    return sent
