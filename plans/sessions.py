"""Sliding sign-out without a database write on every request.

A signed-in session's expiry moves SESSION_COOKIE_AGE ahead of the user's latest
activity, as SESSION_SAVE_EVERY_REQUEST would move it, but the session is written at
most once every REFRESH_EVERY seconds: the write was a third of a small page's time.
A session idle for SESSION_COOKIE_AGE is signed out at most REFRESH_EVERY seconds
early, and the time-out warning counts from the latest write, so it is never late.
"""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

REFRESHED = "bcf_refreshed"  # when the session's expiry was last moved (epoch seconds)
REFRESH_EVERY = 60


def now() -> int:
    return int(time.time())


def refresh(session) -> None:
    """Move the session's expiry SESSION_COOKIE_AGE ahead (written with the response)."""
    session[REFRESHED] = now()


def seconds_left(session) -> int:
    """Seconds until this session signs out if nothing happens."""
    refreshed = session.get(REFRESHED)
    if refreshed is None:
        return settings.SESSION_COOKIE_AGE
    return max(0, settings.SESSION_COOKIE_AGE - (now() - refreshed))


class SlidingSessionMiddleware:
    """After SessionMiddleware: a signed-in request refreshes the session's expiry when
    the last refresh is REFRESH_EVERY seconds old or more."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.get(SESSION_KEY) is not None:
            refreshed = session.get(REFRESHED)
            if refreshed is None or now() - refreshed >= REFRESH_EVERY:
                refresh(session)
        return self.get_response(request)


@receiver(user_logged_in)
def _refreshed_at_sign_in(sender, request, user, **kwargs) -> None:
    """Signing in writes the session: its expiry starts there, with no second write
    on the first page."""
    if request is not None and hasattr(request, "session"):
        refresh(request.session)
