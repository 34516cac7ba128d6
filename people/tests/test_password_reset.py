"""Password reset by email with Django's own views, in the service's pages: the same
answer whether or not the address belongs to an account."""

import re

import pytest
from django.contrib.auth import get_user_model

from .helpers import GOOD_PASSWORD, user

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_the_sign_in_page_links_to_password_reset(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password-reset/"' in page


def test_a_known_address_gets_a_link_that_sets_a_new_password(client, mailoutbox):
    person = user("bhr.finance")
    page = client.get("/accounts/password-reset/")
    assert page.status_code == 200 and "Reset your password" in page.content.decode()
    response = client.post("/accounts/password-reset/", {"email": person.email.upper()})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert [m.to for m in mailoutbox] == [[person.email]]
    assert mailoutbox[0].subject == "Reset your BCF Plans password"
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/\S+/)", mailoutbox[0].body)
    assert link, mailoutbox[0].body
    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    assert "There is a problem" in weak.content.decode()
    done = client.post(set_url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/password-reset/complete/"
    assert User.objects.get(pk=person.pk).check_password(GOOD_PASSWORD)
    # The link works once.
    again = client.get(link.group(1), follow=True).content.decode()
    assert "This link does not work" in again


def test_an_unknown_address_gets_the_same_page_and_no_email(client, mailoutbox):
    known = client.post("/accounts/password-reset/", {"email": user("bhr.finance").email})
    unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert len(mailoutbox) == 1
    sent = client.get(unknown["Location"]).content.decode()
    assert "If the address you entered belongs to a BCF Plans account" in sent


def test_an_invited_person_who_has_not_accepted_gets_no_reset_email(client, mailoutbox):
    User.objects.create_user("pending", "pending@example.org", password=None, is_active=False)
    response = client.post("/accounts/password-reset/", {"email": "pending@example.org"})
    assert response.status_code == 302
    assert mailoutbox == []


def test_a_malformed_address_is_explained(client):
    response = client.post("/accounts/password-reset/", {"email": "not an email"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "Enter a valid email address" in page
