"""Sign-out after two hours of inactivity slides with each request, but the session is
written at most once a minute (it was written on every request); the time-out warning
counts from the latest write, so it is never late."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans import sessions
from plans.tests.helpers import login

pytestmark = pytest.mark.django_db
PAGE = "/plans/2017-19/havering/"


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, moved by hand."""
    at = [sessions.now()]
    monkeypatch.setattr(sessions, "now", lambda: at[0])
    return at


def session_writes(client, url=PAGE):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    writes = [q for q in queries if re.match(r'(UPDATE|INSERT INTO) "django_session"', q["sql"])]
    return response, len(writes)


def expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def warning_seconds(response):
    return int(re.search(r'data-session-age="(\d+)"', response.content.decode()).group(1))


def test_a_session_is_written_at_most_once_a_minute_and_its_expiry_slides(client, clock):
    login(client, "bhr.commissioner")
    session_writes(client)  # the first signed-in page refreshes it
    written = expiry(client)
    clock[0] += 30
    response, writes = session_writes(client)
    assert writes == 0
    assert warning_seconds(response) == settings.SESSION_COOKIE_AGE - 30
    clock[0] += 31  # a minute after the last write
    response, writes = session_writes(client)
    assert writes == 1
    assert warning_seconds(response) == settings.SESSION_COOKIE_AGE
    assert expiry(client) > written
    assert expiry(client) <= timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_stay_signed_in_always_renews_the_session(client, clock):
    login(client, "bhr.commissioner")
    session_writes(client)
    clock[0] += 5
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accounts/keep-alive/").status_code == 204
    assert any(q["sql"].startswith('UPDATE "django_session"') for q in queries)
    assert client.session[sessions.REFRESHED] == clock[0]


def test_an_idle_session_still_signs_out(client, clock):
    login(client, "bhr.commissioner")
    session_writes(client)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )  # two hours with nothing done
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_signed_out_pages_write_no_session(client):
    with CaptureQueriesContext(connection) as queries:
        client.get("/accounts/login/")
    assert not any('"django_session"' in q["sql"] for q in queries)


def test_the_first_page_after_signing_in_writes_no_session(client):
    login(client, "bhr.commissioner")
    assert session_writes(client)[1] == 0
