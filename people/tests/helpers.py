"""Shared helpers for the people tests."""

import re

from django.contrib.auth import get_user_model

from plans.models import Area

GOOD_PASSWORD = "Correct-horse-battery-9"


def user(username):
    return get_user_model().objects.get(username=username)


def area(slug):
    return Area.objects.get(slug=slug)


def link_path(message):
    """The invitation link's path in an email."""
    found = re.search(r"(/people/invitations/accept/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def token_of(message):
    return link_path(message).rstrip("/").rsplit("/", 1)[1]
