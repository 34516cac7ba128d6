"""The link in an invitation email: signed, expiring and good for one use.

The token is a `TimestampSigner` signature (so it expires after
INVITATION_MAX_AGE_DAYS and cannot be forged or altered) over the invitation's id and
a hash of its state: when its link was sent, whether it was accepted or revoked, and
the account and address it is for. Accepting the invitation, resending it (a new link)
or revoking it changes the hash, so an old or used link never works again; a second
invitation to the same person keeps working after the first is accepted (its owner
then signs in to accept it).
"""

from datetime import datetime

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import Invitation, max_age

SALT = "people.invitation"


class LinkInvalid(Exception):
    """The link cannot be used; `expired` tells a stale link from a wrong one."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _micro(moment: datetime | None) -> str:
    return "" if moment is None else str(int(moment.timestamp() * 1_000_000))


def _state(invitation: Invitation) -> str:
    person = invitation.user
    value = "|".join(
        [
            str(invitation.pk),
            _micro(invitation.sent_at),
            _micro(invitation.accepted_at),
            _micro(invitation.revoked_at),
            str(person.pk),
            invitation.email.lower(),
        ]
    )
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[::2]


def make_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"i": invitation.pk, "s": _state(invitation)}
    )


def read_token(token: str, *, for_update: bool = False) -> Invitation:
    """The open invitation the token stands for, or LinkInvalid."""
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age())
    except signing.SignatureExpired as error:
        raise LinkInvalid("This link has expired.", expired=True) from error
    except (signing.BadSignature, ValueError, UnicodeError) as error:
        raise LinkInvalid("This link is not valid.") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        raise LinkInvalid("This link is not valid.")
    invitations = Invitation.objects.select_related("user", "invited_by")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(pk=payload["i"]).first()
    if invitation is None:
        raise LinkInvalid("This link is not valid.")
    if not constant_time_compare(str(payload.get("s", "")), _state(invitation)):
        if invitation.accepted_at:
            raise LinkInvalid("This link has already been used.")
        if invitation.revoked_at:
            raise LinkInvalid("This invitation has been withdrawn.")
        raise LinkInvalid("This link is no longer valid: a newer one has been sent.")
    return invitation
