"""Reminders of returns: Havering's preparers are mailed seven days (the period's
`remind_days_before`) before its quarter 1 2017/18 return is due on 21 July 2017, and
again once it is overdue; never twice for the same plan, return and kind; never for
a submitted return or a plan not in delivery."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from plans.models import ReturnPeriod
from returns.models import ReturnReminder
from returns.reminders import send_return_reminders

from .helpers import Q1, approved, fill_return, login, sheet_of

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def havering():
    return approved("2017-19", "havering")


def run(capture, day):
    with capture(execute=True):
        return send_return_reminders(today=day)


def test_a_reminder_seven_days_before_then_an_overdue_notice_each_once(
    havering, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    assert run(capture, D(2017, 7, 13)) == {"due_soon": 0, "overdue": 0}
    assert run(capture, D(2017, 7, 14)) == {"due_soon": 1, "overdue": 0}
    [reminder] = mail.outbox
    assert reminder.subject == (
        "Reminder: the Quarter 1 2017/18 return for Havering is due 21 July 2017"
    )
    assert "bhr.commissioner@example.invalid" in reminder.to
    assert "bhr.finance@example.invalid" in reminder.to
    assert "/plans/2017-19/havering/returns/2017-18-q1/" in reminder.body
    # Run again that day and every day to the due date: nothing more.
    for day in (14, 15, 21):
        assert run(capture, D(2017, 7, day)) == {"due_soon": 0, "overdue": 0}
    assert run(capture, D(2017, 7, 22)) == {"due_soon": 0, "overdue": 1}
    assert mail.outbox[1].subject == "Overdue: the Quarter 1 2017/18 return for Havering"
    assert "1 day late" in mail.outbox[1].body
    assert run(capture, D(2017, 7, 23)) == {"due_soon": 0, "overdue": 0}
    assert len(mail.outbox) == 2
    kinds = ReturnReminder.objects.filter(plan=havering).values_list("kind", "recipients")
    n = len(reminder.to)
    assert sorted(kinds) == [("due_soon", n), ("overdue", n)]


def test_the_round_s_data_sets_the_reminder_day(havering, django_capture_on_commit_callbacks):
    ReturnPeriod.objects.filter(slug="2017-18-q1").update(remind_days_before=14)
    assert run(django_capture_on_commit_callbacks, D(2017, 7, 7))["due_soon"] == 1


def test_a_submitted_return_and_a_plan_in_draft_are_not_chased(
    client, havering, django_capture_on_commit_callbacks
):
    login(client, "bhr.commissioner")
    fill_return(client, Q1, sheet_of(havering, "2017-18-q1"))
    assert client.post(Q1 + "submit/").status_code == 302
    # Barking and Dagenham and Redbridge are still in draft: no returns asked of them.
    assert run(django_capture_on_commit_callbacks, D(2017, 7, 22)) == {
        "due_soon": 0,
        "overdue": 0,
    }
    assert mail.outbox == []


def test_returns_long_overdue_are_not_chased_and_the_command_says_what_it_sent(havering):
    out = StringIO()
    call_command("send_return_reminders", today=D(2026, 12, 1), stdout=out)
    assert out.getvalue().strip() == "0 return reminders and 0 overdue notices sent."
    call_command("send_return_reminders", today=D(2017, 9, 19), stdout=out)  # Q1 60 days late
    assert "0 return reminders and 1 overdue notices sent." in out.getvalue()
    assert ReturnReminder.objects.get().period.slug == "2017-18-q1"
