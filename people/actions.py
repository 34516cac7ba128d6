"""The only writers of people and their roles: invite, resend, revoke, accept, remove
a role, deactivate, and import the CCG list. Each is keyword-only, checks who may act,
writes in one transaction and sends its email only after the transaction commits."""

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from plans.models import Area, ClinicalCommissioningGroup, Region, Role
from plans.models.access import AREA_KINDS, is_national_admin

from . import selectors
from .ccgs import Problem, read_ccg_file
from .grants import (
    GrantError,
    commissioner_area_ids,
    describe,
    grant_area_ids,
    grant_region_ids,
    may_grant,
    normalise,
)
from .models import Invitation, max_age
from .selectors import CcgChanges
from .tokens import LinkInvalid, make_token, read_token

Kind = Role.Kind
# Accepting an invitation signs the person in with the model backend (django-axes'
# backend only guards password checks).
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"

type AnyUser = AbstractBaseUser | AnonymousUser


class InvitationRefused(Exception):
    """The invitation cannot be made as asked; the message says why."""


class PasswordRejected(Exception):
    """The new password failed the password validators; `form` holds the errors."""

    def __init__(self, form: SetPasswordForm) -> None:
        super().__init__("The password was not accepted.")
        self.form = form


class SignInRequired(Exception):
    """The invitation is for an existing account: its owner signs in to accept it."""

    def __init__(self, invitation: Invitation) -> None:
        super().__init__("Sign in to accept this invitation.")
        self.invitation = invitation


class PersonRefused(Exception):
    """The change to a person cannot be made; the message says why."""


class CcgImportRefused(Exception):
    """The CCG file has problems (or the data changed since the preview)."""

    def __init__(self, problems: list[Problem], changes: CcgChanges | None = None) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = problems
        self.changes = changes


# -- invitations -------------------------------------------------------------------


def _split_name(full_name: str) -> tuple[str, str]:
    first, _space, last = full_name.strip().rpartition(" ")
    return (first, last) if first else (last, "")


def _free_username(email: str) -> str:
    base = email.lower()[:140]
    users = get_user_model().objects
    candidate, number = base, 1
    while users.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _adds_something(person: User, grants: Sequence[Mapping[str, Any]]) -> bool:
    held = list(Role.objects.filter(user=person).prefetch_related("areas"))
    for grant in grants:
        same = [role for role in held if role.kind == grant["kind"]]
        if grant["kind"] in AREA_KINDS:
            have = {area.pk for role in same for area in role.areas.all()}
            if not set(grant.get("areas", [])) <= have:
                return True
        elif "region" in grant:
            if not any(role.region_id == grant["region"] for role in same):
                return True
        elif not same:
            return True
    return False


def _link(invitation: Invitation, base_url: str) -> str:
    path = reverse("people:accept", args=[make_token(invitation)])
    return f"{base_url.rstrip('/')}{path}" if base_url else path


def _email_invitation(invitation: Invitation, base_url: str) -> None:
    grants = invitation.roles
    areas = dict(Area.objects.filter(pk__in=grant_area_ids(grants)).values_list("pk", "name"))
    regions = dict(Region.objects.filter(pk__in=grant_region_ids(grants)).values_list("pk", "name"))
    inviter = invitation.invited_by
    who = (inviter.get_full_name() or inviter.get_username()) if inviter else "BCF Plans"
    person = invitation.user
    existing = person.is_active and person.has_usable_password()
    roles = "\n".join(f"- {line}" for line in describe(grants, areas, regions))
    days = max_age().days
    step = (
        "Open the link, sign in with your existing BCF Plans account and accept the roles"
        if existing
        else "Open the link to choose your password; you will then be signed in"
    )
    body = (
        f"Hello {invitation.full_name or invitation.email},\n\n"
        f"{who} has invited you to BCF Plans, the Better Care Fund planning service, "
        f"with these roles:\n\n{roles}\n\n"
        f"{step}:\n\n{_link(invitation, base_url)}\n\n"
        f"The link works once and expires in {days} days. If you were not expecting "
        "this email, you can ignore it.\n"
    )
    subject = "You have been invited to BCF Plans"
    transaction.on_commit(partial(send_mail, subject, body, None, [invitation.email]))


def invite(
    *,
    user: User,
    email: str,
    full_name: str,
    grants: Sequence[Mapping[str, Any]],
    base_url: str = "",
) -> Invitation:
    """Invite `email` to hold `grants`, emailing a one-time link. A person without an
    account gets an inactive one with no usable password; an existing account gets
    the new roles (united with those it holds) when the link is accepted.

    Raises PermissionDenied if `user` may not grant these roles, InvitationRefused if
    the invitation makes no sense (a bad address, yourself, nothing new)."""
    try:
        clean = normalise(grants)
    except GrantError as error:
        raise InvitationRefused(str(error)) from error
    if not may_grant(user, clean):
        raise PermissionDenied
    email = email.strip()
    full_name = " ".join(full_name.split())[:150]
    try:
        validate_email(email)
    except ValidationError as error:
        raise InvitationRefused(
            "Enter an email address in the correct format, like name@example.org"
        ) from error
    area_ids = grant_area_ids(clean)
    if Area.objects.filter(pk__in=area_ids).count() != len(area_ids):
        raise InvitationRefused("An area is not one of the list")
    region_ids = grant_region_ids(clean)
    if Region.objects.filter(pk__in=region_ids).count() != len(region_ids):
        raise InvitationRefused("A region is not one of the list")
    User_ = get_user_model()
    with transaction.atomic():
        matches = list(User_.objects.filter(email__iexact=email).order_by("pk")[:2])
        if len(matches) > 1:
            raise InvitationRefused(
                "More than one account uses this email address; ask a national "
                "administrator to sort the accounts out first"
            )
        person = matches[0] if matches else None
        if person is not None and person.pk == user.pk:
            raise InvitationRefused("You cannot invite yourself")
        if person is None:
            first, last = _split_name(full_name)
            person = User_.objects.create_user(
                username=_free_username(email),
                email=email,
                password=None,
                first_name=first[:150],
                last_name=last[:150],
                is_active=False,
            )
        elif person.is_active and not _adds_something(person, clean):
            raise InvitationRefused(
                f"{person.get_full_name() or person.email} already holds these roles"
            )
        if Invitation.objects.pending().filter(user=person, roles=list(clean)).exists():
            raise InvitationRefused(
                "An invitation with these roles is already waiting for this person: "
                "resend it from their page instead"
            )
        elif not person.get_full_name() and full_name:
            person.first_name, person.last_name = _split_name(full_name)
            person.save(update_fields=["first_name", "last_name"])
        now = timezone.now()
        invitation = Invitation.objects.create(
            email=person.email or email,
            full_name=full_name or person.get_full_name(),
            user=person,
            roles=list(clean),
            invited_by=user,
            created_at=now,
            sent_at=now,
        )
        invitation.areas.set(area_ids)
        _email_invitation(invitation, base_url)
    return invitation


def _check_manage(user: AnyUser, invitation: Invitation) -> None:
    if not may_grant(user, invitation.roles):
        raise PermissionDenied
    if not invitation.is_open:
        raise InvitationRefused(
            f"This invitation has already been {invitation.get_status_display().lower()}"
        )


def resend_invitation(*, user: User, invitation: Invitation, base_url: str = "") -> Invitation:
    """Send the invitation again with a new link; the link sent before stops working."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _check_manage(user, invitation)
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
        _email_invitation(invitation, base_url)
    return invitation


def revoke_invitation(*, user: User, invitation: Invitation) -> Invitation:
    """Withdraw an invitation that has not been accepted; its link stops working."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _check_manage(user, invitation)
        invitation.revoked_at = timezone.now()
        invitation.revoked_by = user
        invitation.save(update_fields=["revoked_at", "revoked_by"])
    return invitation


def needs_password(person: User) -> bool:
    """A new (or deactivated) account chooses its password when accepting."""
    return not (person.is_active and person.has_usable_password())


def _grant_roles(person: User, grants: Sequence[Mapping[str, Any]]) -> None:
    for grant in grants:
        kind = grant["kind"]
        if kind in AREA_KINDS:
            role, _ = Role.objects.get_or_create(user=person, kind=kind, region=None)
            role.areas.add(*Area.objects.filter(pk__in=grant.get("areas", [])))
        elif grant.get("region"):
            region = Region.objects.filter(pk=grant["region"]).first()
            if region is not None:
                Role.objects.get_or_create(user=person, kind=kind, region=region)
        else:
            Role.objects.get_or_create(user=person, kind=kind, region=None)


def accept_invitation(
    *,
    token: str,
    user: AnyUser | None = None,
    new_password1: str = "",
    new_password2: str = "",
    request: HttpRequest | None = None,
) -> User:
    """Accept the invitation behind `token`: grant its roles and mark it accepted. A
    new account sets its password here (Django's SetPasswordForm and the password
    validators) and is activated; an existing account must be the signed-in `user`.
    With `request`, the person is signed in. Raises LinkInvalid, PasswordRejected or
    SignInRequired."""
    with transaction.atomic():
        invitation = read_token(token, for_update=True)
        person = invitation.user
        if not may_grant(invitation.invited_by, invitation.roles):
            raise LinkInvalid(
                "This invitation is no longer valid: the person who sent it can no "
                "longer grant these roles."
            )
        if needs_password(person):
            form = SetPasswordForm(
                person, data={"new_password1": new_password1, "new_password2": new_password2}
            )
            if not form.is_valid():
                raise PasswordRejected(form)
            form.save(commit=False)
            person.is_active = True
            person.save()
        elif user is None or user.pk != person.pk:
            raise SignInRequired(invitation)
        _grant_roles(person, invitation.roles)
        now = timezone.now()
        invitation.accepted_at = now
        invitation.save(update_fields=["accepted_at"])
        # Other invitations offering only roles the person now holds are done too.
        for other in Invitation.objects.pending().filter(user=person).exclude(pk=invitation.pk):
            if not _adds_something(person, other.roles):
                other.accepted_at = now
                other.save(update_fields=["accepted_at"])
        if request is not None:
            login(request, person, backend=LOGIN_BACKEND)
    return person


# -- people and their roles ------------------------------------------------------


def _check_person_change(user: User, person: User) -> None:
    if person.pk == user.pk:
        raise PersonRefused("You cannot change your own account or roles here")
    if not selectors.may_see_person(user, person):
        raise PermissionDenied


def remove_role(*, user: User, person: User, role: Role, area: Area | None = None) -> str:
    """Take one role from `person`: for an area role, one of its areas (the role goes
    when it has none left); otherwise the whole role. A commissioner may remove area
    roles in their own areas only. Returns what was removed, in words."""
    with transaction.atomic():
        _check_person_change(user, person)
        role = Role.objects.select_for_update().get(pk=role.pk, user=person)
        label = role.get_kind_display().lower()
        if role.kind in AREA_KINDS:
            if area is None or not role.areas.filter(pk=area.pk).exists():
                raise PersonRefused("Choose one of the areas of this role")
            if not is_national_admin(user) and area.pk not in commissioner_area_ids(user):
                raise PermissionDenied
            role.areas.remove(area)
            if not role.areas.exists():
                role.delete()
            done = f"{label} for {area.name}"
        else:
            if not is_national_admin(user):
                raise PermissionDenied
            where = f" for {role.region.name}" if role.region_id and role.region else ""
            role.delete()
            done = f"{label}{where}"
    return done


def deactivate(*, user: User, person: User) -> str:
    """A national administrator deactivates the account: it can no longer sign in, its
    sessions end and its open invitations are withdrawn. A commissioner removes the
    person's roles in the commissioner's own areas only (and, if that leaves them no
    role anywhere, the account too). Nobody may deactivate themselves. Returns
    "deactivated" or "removed"."""
    with transaction.atomic():
        _check_person_change(user, person)
        person = get_user_model().objects.select_for_update().get(pk=person.pk)
        now = timezone.now()
        if is_national_admin(user):
            _close_account(person, user, now)
            return "deactivated"
        own = commissioner_area_ids(user)
        if not own:
            raise PermissionDenied
        for role in Role.objects.filter(user=person, kind__in=AREA_KINDS, areas__in=own).distinct():
            role.areas.remove(*own)
            if not role.areas.exists():
                role.delete()
        for invitation in (
            Invitation.objects.pending().filter(user=person, areas__in=own).distinct()
        ):
            if may_grant(user, invitation.roles):
                invitation.revoked_at, invitation.revoked_by = now, user
                invitation.save(update_fields=["revoked_at", "revoked_by"])
        if not Role.objects.filter(user=person).exists() and not person.is_superuser:
            _close_account(person, user, now)
            return "deactivated"
    return "removed"


def _close_account(person: User, by: User, now: Any) -> None:
    person.is_active = False
    # A new password hash ends every session (the session keeps a hash of it) and a
    # later invitation has the person choose a new password.
    person.set_unusable_password()
    person.save(update_fields=["is_active", "password"])
    Invitation.objects.pending().filter(user=person).update(revoked_at=now, revoked_by=by)


# -- reference data ----------------------------------------------------------------


def import_ccgs(*, user: User, data: bytes, expected: str) -> CcgChanges:
    """Write the CCGs of an uploaded file, all or nothing, after its preview: the file
    is read again and its changes against the database now must be those previewed
    (`expected` is the preview's digest), or nothing is written and CcgImportRefused
    carries the new preview. CCGs not in the file are left as they are."""
    if not is_national_admin(user):
        raise PermissionDenied
    with transaction.atomic():
        rows, problems = read_ccg_file(data)
        if problems:
            raise CcgImportRefused(problems)
        changes = selectors.ccg_changes(rows)
        if changes.digest != expected:
            raise CcgImportRefused(
                [Problem(0, "", "The CCGs changed after the preview; check the changes again")],
                changes,
            )
        areas = dict(Area.objects.values_list("ons_code", "pk"))
        existing = {ccg.code: ccg for ccg in ClinicalCommissioningGroup.objects.all()}
        for row in rows:
            ccg = existing.get(row.code)
            if ccg is None:
                ccg = ClinicalCommissioningGroup.objects.create(code=row.code, name=row.name)
            elif ccg.name != row.name:
                ccg.name = row.name
                ccg.save(update_fields=["name"])
            ccg.areas.set([areas[code] for code in row.area_codes])
    return changes
