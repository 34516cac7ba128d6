"""Invitations: who may invite whom to what, the one-time expiring link, accepting it
(a new account chooses a validated password; an existing one gains the roles)."""

import time
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied

from people import actions
from people.models import Invitation
from people.tokens import LinkInvalid, make_token
from plans.models import Region, Role
from plans.models.access import area_ids, roles_of
from plans.tests.helpers import login

from .helpers import GOOD_PASSWORD, area, link_path, token_of, user

pytestmark = pytest.mark.django_db
Kind = Role.Kind
User = get_user_model()


def invite_form(kinds, areas, email="new.person@example.org", name="Nadia Khan"):
    return {"email": email, "full_name": name, "kinds": kinds, "areas": [a.pk for a in areas]}


def fresh_roles(person):
    person = User.objects.get(pk=person.pk)
    return {
        (r.kind, r.region_id, frozenset(a.slug for a in r.areas.all())) for r in roles_of(person)
    }


# -- inviting ----------------------------------------------------------------------


def test_a_commissioner_invites_someone_to_their_own_area(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, "bhr.commissioner")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/people/invite/", invite_form([Kind.COMMISSIONER], [area("havering")])
        )
    assert response.status_code == 302
    person = User.objects.get(email="new.person@example.org")
    assert not person.is_active and not person.has_usable_password()
    assert (person.first_name, person.last_name) == ("Nadia", "Khan")
    assert not Role.objects.filter(user=person).exists()  # granted on acceptance
    invitation = Invitation.objects.get(user=person)
    assert invitation.invited_by == user("bhr.commissioner")
    assert invitation.roles == [{"kind": "commissioner", "areas": [area("havering").pk]}]
    assert [m.to for m in mailoutbox] == [["new.person@example.org"]]
    assert "Commissioner (area editor) for Havering" in mailoutbox[0].body
    assert "http://testserver/people/invitations/accept/" in mailoutbox[0].body
    assert response["Location"] == f"/people/{person.pk}/"


def test_a_commissioner_cannot_invite_to_another_area(client, mailoutbox):
    login(client, "bhr.commissioner")
    users_before, invitations_before = User.objects.count(), Invitation.objects.count()
    response = client.post("/people/invite/", invite_form([Kind.COMMISSIONER], [area("barnet")]))
    assert response.status_code == 403
    response = client.post(
        "/people/invite/", invite_form([Kind.COMMISSIONER], [area("havering"), area("barnet")])
    )
    assert response.status_code == 403
    # Nor a role only national administrators grant, in their own area.
    data = invite_form([Kind.NATIONAL_ADMIN], [])
    assert client.post("/people/invite/", data).status_code == 403
    assert (User.objects.count(), Invitation.objects.count()) == (users_before, invitations_before)
    assert mailoutbox == []


def test_the_action_itself_refuses_what_the_inviter_may_not_grant():
    bhr = user("bhr.commissioner")
    for grants in (
        [{"kind": "commissioner", "areas": [area("barnet").pk]}],
        [{"kind": "reviewer", "region": Region.objects.get(slug="london").pk}],
        [{"kind": "national_admin"}],
    ):
        with pytest.raises(PermissionDenied):
            actions.invite(user=bhr, email="x@example.org", full_name="X", grants=grants)
    # A finance officer or a reviewer invites nobody.
    with pytest.raises(PermissionDenied):
        actions.invite(
            user=user("bhr.finance"),
            email="x@example.org",
            full_name="X",
            grants=[{"kind": "finance_officer", "areas": [area("havering").pk]}],
        )
    assert not Invitation.objects.exists()
    assert not User.objects.filter(email="x@example.org").exists()


def test_only_managers_open_the_invite_page(client):
    assert client.get("/people/invite/").status_code == 302
    for name in ("bhr.finance", "london.reviewer"):
        login(client, name)
        assert client.get("/people/invite/").status_code == 403
    login(client, "bhr.commissioner")
    page = client.get("/people/invite/").content.decode()
    assert "Havering" in page and "Barnet" not in page
    assert "National administrator" not in page


def test_the_invite_form_explains_what_is_missing(client):
    login(client, "admin")
    response = client.post(
        "/people/invite/",
        {"email": "not-an-email", "full_name": "", "kinds": ["reviewer", "commissioner"]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    for message in (
        "Enter an email address in the correct format",
        "Enter the person&#x27;s full name",
        "Choose the areas for the commissioner or finance officer role",
        "Choose the region for the assurer or moderator role",
    ):
        assert message in page
    assert not Invitation.objects.exists()


def test_an_administrator_invites_anyone_with_any_role(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    london = Region.objects.get(slug="london")
    login(client, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/people/invite/",
            {
                "email": "Assurer@Example.org",
                "full_name": "Ade Bello",
                "kinds": ["la_assurer", "moderator", "national_approver"],
                "region": london.pk,
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.roles == [
        {"kind": "la_assurer", "region": london.pk},
        {"kind": "moderator", "region": london.pk},
        {"kind": "national_approver"},
    ]
    assert len(mailoutbox) == 1


def test_inviting_yourself_or_someone_who_has_the_roles_already_is_refused():
    bhr = user("bhr.commissioner")
    havering = [{"kind": "commissioner", "areas": [area("havering").pk]}]
    with pytest.raises(actions.InvitationRefused, match="yourself"):
        actions.invite(user=bhr, email=bhr.email.upper(), full_name="Me", grants=havering)
    finance = user("bhr.finance")
    with pytest.raises(actions.InvitationRefused, match="already holds"):
        actions.invite(
            user=bhr,
            email=finance.email,
            full_name="F",
            grants=[{"kind": "finance_officer", "areas": [area("havering").pk]}],
        )


# -- accepting ---------------------------------------------------------------------


def invite_and_read_mail(mailoutbox, capture, grants, email="new.person@example.org", by=None):
    with capture(execute=True):
        invitation = actions.invite(
            user=by or user("bhr.commissioner"),
            email=email,
            full_name="Nadia Khan",
            grants=grants,
            base_url="http://testserver/",
        )
    return invitation, mailoutbox[-1]


def test_one_person_invited_as_commissioner_and_finance_officer_holds_both(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    havering = area("havering")
    login(client, "bhr.commissioner")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/people/invite/",
            invite_form([Kind.COMMISSIONER, Kind.FINANCE_OFFICER], [havering, area("redbridge")]),
        )
    client.logout()
    path = link_path(mailoutbox[0])
    page = client.get(path)
    assert page.status_code == 200
    assert "Set up your account" in page.content.decode()
    assert 'name="new_password1"' in page.content.decode()
    assert 'name="new_password2"' in page.content.decode()
    response = client.post(path, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/people/welcome/"
    person = User.objects.get(email="new.person@example.org")
    assert person.is_active and person.check_password(GOOD_PASSWORD)
    assert fresh_roles(person) == {
        ("commissioner", None, frozenset({"havering", "redbridge"})),
        ("finance_officer", None, frozenset({"havering", "redbridge"})),
    }
    assert area_ids(User.objects.get(pk=person.pk)) == {havering.pk, area("redbridge").pk}
    # Signed in as the new person, on the welcome page.
    assert client.get("/people/welcome/").context["user"] == person
    assert Invitation.objects.get(user=person).accepted_at is not None


def test_the_link_works_once(client, mailoutbox, django_capture_on_commit_callbacks):
    grants = [{"kind": "commissioner", "areas": [area("havering").pk]}]
    _invitation, message = invite_and_read_mail(
        mailoutbox, django_capture_on_commit_callbacks, grants
    )
    path = link_path(message)
    data = {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}
    assert client.post(path, data).status_code == 302
    client.logout()
    again = client.get(path)
    assert again.status_code == 403
    assert "already been used" in again.content.decode()
    assert client.post(path, data).status_code == 403


def test_the_link_expires(client, mailoutbox, django_capture_on_commit_callbacks, settings):
    settings.INVITATION_MAX_AGE_DAYS = 14
    grants = [{"kind": "commissioner", "areas": [area("havering").pk]}]
    invitation, _message = invite_and_read_mail(
        mailoutbox, django_capture_on_commit_callbacks, grants
    )
    # A link signed 15 days ago (the signer's timestamp moved back, no sleeping).
    fifteen_days_ago = signing.b62_encode(int(time.time()) - 15 * 86400)
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=fifteen_days_ago):
        old = make_token(invitation)
    response = client.get(f"/people/invitations/accept/{old}/")
    assert response.status_code == 403
    assert "expired" in response.content.decode()
    # Thirteen days is still fine.
    thirteen_days_ago = signing.b62_encode(int(time.time()) - 13 * 86400)
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=thirteen_days_ago):
        recent = make_token(invitation)
    assert client.get(f"/people/invitations/accept/{recent}/").status_code == 200
    assert not User.objects.get(pk=invitation.user_id).is_active


def test_a_tampered_link_is_refused(client, mailoutbox, django_capture_on_commit_callbacks):
    grants = [{"kind": "commissioner", "areas": [area("havering").pk]}]
    invitation, message = invite_and_read_mail(
        mailoutbox, django_capture_on_commit_callbacks, grants
    )
    token = token_of(message)
    payload, stamp, signature = token.split(":")
    forged = signing.TimestampSigner(salt="people.invitation").sign_object(
        {"i": invitation.pk, "s": "0" * 32}
    )
    for bad in (
        f"{payload}x:{stamp}:{signature}",
        f"{payload}:{stamp}:{signature[:-2]}AA",
        "nonsense",
        forged,
        signing.dumps({"i": invitation.pk}),  # signed, but with another salt
    ):
        response = client.post(
            f"/people/invitations/accept/{bad}/",
            {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
        )
        assert response.status_code == 403, bad
    assert not User.objects.get(pk=invitation.user_id).is_active
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


def test_accepting_needs_a_password_the_validators_accept(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    grants = [{"kind": "commissioner", "areas": [area("havering").pk]}]
    invitation, message = invite_and_read_mail(
        mailoutbox, django_capture_on_commit_callbacks, grants
    )
    path = link_path(message)
    for first, second, problem in (
        ("short", "short", "too short"),
        ("password123", "password123", "too common"),
        ("83927461029384", "83927461029384", "entirely numeric"),
        ("new.person@example.org", "new.person@example.org", "too similar"),
        (GOOD_PASSWORD, GOOD_PASSWORD + "x", "didn\u2019t match"),
    ):
        response = client.post(path, {"new_password1": first, "new_password2": second})
        assert response.status_code == 400
        page = response.content.decode()
        assert problem in page, (first, page)
        assert "There is a problem" in page
    person = User.objects.get(pk=invitation.user_id)
    assert not person.is_active and not person.has_usable_password()
    assert not Role.objects.filter(user=person).exists()
    # The link still works after mistakes.
    ok = client.post(path, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert ok.status_code == 302


def test_an_existing_user_invited_to_a_second_area_gains_it(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    barnet_commissioner = user("barnet.commissioner")
    accounts = User.objects.count()
    _invitation, message = invite_and_read_mail(
        mailoutbox,
        django_capture_on_commit_callbacks,
        [{"kind": "commissioner", "areas": [area("havering").pk]}],
        email=barnet_commissioner.email,
    )
    assert User.objects.count() == accounts  # no second account
    assert "sign in with your existing" in message.body
    path = link_path(message)
    # Not signed in: asked to sign in, nothing granted.
    page = client.get(path)
    assert "Sign in to accept" in page.content.decode()
    assert f"next={path}" in page.content.decode()
    assert client.post(path).status_code == 403
    # Signed in as someone else: refused.
    login(client, "lancashire.commissioner")
    assert client.post(path).status_code == 403
    assert fresh_roles(barnet_commissioner) == {("commissioner", None, frozenset({"barnet"}))}
    # Signed in as the person: the role is added to the one they hold (union).
    login(client, "barnet.commissioner")
    response = client.post(path)
    assert response.status_code == 302
    assert fresh_roles(barnet_commissioner) == {
        ("commissioner", None, frozenset({"barnet", "havering"}))
    }
    assert Role.objects.filter(user=barnet_commissioner).count() == 1
    person = User.objects.get(pk=barnet_commissioner.pk)
    assert person.check_password("bcf-demo")  # the password is left alone


def test_two_invitations_to_a_new_person_both_work(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    first, first_mail = invite_and_read_mail(
        mailoutbox,
        django_capture_on_commit_callbacks,
        [{"kind": "commissioner", "areas": [area("havering").pk]}],
    )
    second, second_mail = invite_and_read_mail(
        mailoutbox,
        django_capture_on_commit_callbacks,
        [{"kind": "commissioner", "areas": [area("barnet").pk]}],
        by=user("barnet.commissioner"),
    )
    assert first.user_id == second.user_id
    data = {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}
    assert client.post(link_path(first_mail), data).status_code == 302
    # Signed in now, the second link only asks to accept.
    assert client.post(link_path(second_mail)).status_code == 302
    assert fresh_roles(first.user) == {("commissioner", None, frozenset({"barnet", "havering"}))}


def test_resending_sends_a_new_link_and_the_old_one_stops_working(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, message = invite_and_read_mail(
        mailoutbox,
        django_capture_on_commit_callbacks,
        [{"kind": "commissioner", "areas": [area("havering").pk]}],
    )
    old_path = link_path(message)
    login(client, "bhr.commissioner")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/people/invitations/{invitation.pk}/resend/")
    assert response.status_code == 302
    assert len(mailoutbox) == 2
    new_path = link_path(mailoutbox[1])
    assert new_path != old_path
    client.logout()
    assert client.get(old_path).status_code == 403
    assert client.get(new_path).status_code == 200


def test_a_revoked_invitation_cannot_be_accepted(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, message = invite_and_read_mail(
        mailoutbox,
        django_capture_on_commit_callbacks,
        [{"kind": "commissioner", "areas": [area("havering").pk]}],
    )
    # Another area's commissioner can neither see nor revoke it.
    login(client, "barnet.commissioner")
    assert client.post(f"/people/invitations/{invitation.pk}/revoke/").status_code == 404
    assert client.post(f"/people/invitations/{invitation.pk}/resend/").status_code == 404
    login(client, "bhr.commissioner")
    assert client.get(f"/people/invitations/{invitation.pk}/revoke/").status_code == 200
    assert client.post(f"/people/invitations/{invitation.pk}/revoke/").status_code == 302
    client.logout()
    response = client.get(link_path(message))
    assert response.status_code == 403
    assert "withdrawn" in response.content.decode()
    with pytest.raises(LinkInvalid):
        actions.accept_invitation(
            token=token_of(message), new_password1=GOOD_PASSWORD, new_password2=GOOD_PASSWORD
        )


def test_an_invitation_dies_with_its_senders_rights(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, message = invite_and_read_mail(
        mailoutbox,
        django_capture_on_commit_callbacks,
        [{"kind": "commissioner", "areas": [area("havering").pk]}],
    )
    Role.objects.filter(user=user("bhr.commissioner"), kind="commissioner").delete()
    response = client.post(
        link_path(message), {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}
    )
    assert response.status_code == 403
    assert not Role.objects.filter(user_id=invitation.user_id).exists()


def test_the_same_invitation_twice_is_refused_and_accepting_closes_redundant_ones(
    mailoutbox, django_capture_on_commit_callbacks
):
    havering = [{"kind": "commissioner", "areas": [area("havering").pk]}]
    first, message = invite_and_read_mail(mailoutbox, django_capture_on_commit_callbacks, havering)
    with pytest.raises(actions.InvitationRefused, match="already waiting"):
        actions.invite(
            user=user("bhr.commissioner"),
            email="new.person@example.org",
            full_name="Nadia Khan",
            grants=havering,
        )
    # An administrator offers Havering and Barnet; then the first one is accepted.
    wider = actions.invite(
        user=user("admin"),
        email="new.person@example.org",
        full_name="Nadia Khan",
        grants=[{"kind": "commissioner", "areas": [area("havering").pk, area("barnet").pk]}],
    )
    smaller = Invitation.objects.create(
        email=first.email, user=first.user, roles=havering, invited_by=user("bhr.commissioner")
    )
    actions.accept_invitation(
        token=token_of(message), new_password1=GOOD_PASSWORD, new_password2=GOOD_PASSWORD
    )
    assert Invitation.objects.get(pk=smaller.pk).accepted_at is not None  # nothing left to add
    assert Invitation.objects.get(pk=wider.pk).is_open  # Barnet is still to accept


def test_a_deactivated_person_invited_again_chooses_a_new_password(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    finance = user("bhr.finance")
    actions.deactivate(user=user("admin"), person=finance)
    _invitation, message = invite_and_read_mail(
        mailoutbox,
        django_capture_on_commit_callbacks,
        [{"kind": "finance_officer", "areas": [area("havering").pk]}],
        email=finance.email,
    )
    assert User.objects.filter(email=finance.email).count() == 1
    response = client.post(
        link_path(message), {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    finance = User.objects.get(pk=finance.pk)
    assert finance.is_active and finance.check_password(GOOD_PASSWORD)
