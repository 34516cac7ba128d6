"""The reads behind the people pages, the welcome page and the CCG import preview.
Lists prefetch what they show, so their query count does not grow with the number
of people, roles or areas.

Who sees whom: a national administrator everyone; an area's commissioner the people
holding roles in their areas (and only those roles); nobody else anyone.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import Http404
from django.utils import timezone

from plans.models import (
    Area,
    ClinicalCommissioningGroup,
    Plan,
    Region,
    Role,
    Round,
    RoundDeadline,
)
from plans.models.access import AREA_KINDS, area_ids, is_national_admin, roles_of

from .ccgs import CcgRow
from .grants import commissioner_area_ids, describe, grant_area_ids, grant_region_ids, may_grant
from .models import Invitation

type AnyUser = AbstractBaseUser | AnonymousUser


def can_manage_people(user: AnyUser) -> bool:
    return is_national_admin(user) or bool(commissioner_area_ids(user))


def managed_area_ids(user: AnyUser) -> set[int] | None:
    """The areas whose people `user` manages; None for every area."""
    return None if is_national_admin(user) else commissioner_area_ids(user)


def _roles_shown(scope: set[int] | None) -> Prefetch:
    """A person's roles as the viewer may see them: every role for a national
    administrator; for a commissioner only area roles, with only their areas."""
    if scope is None:
        roles = Role.objects.select_related("region").prefetch_related(
            Prefetch("areas", queryset=Area.objects.only("pk", "name", "slug"))
        )
    else:
        roles = (
            Role.objects.filter(kind__in=AREA_KINDS, areas__in=scope)
            .distinct()
            .select_related("region")
            .prefetch_related(
                Prefetch("areas", queryset=Area.objects.filter(pk__in=scope).only("pk", "name"))
            )
        )
    return Prefetch("roles", queryset=roles, to_attr="shown_roles")


def people_for(user: AnyUser) -> "QuerySet[User]":
    """Everyone `user` may see on the people pages, with the roles the viewer may see
    as `shown_roles` and whether an invitation is open as `has_open_invitation`."""
    scope = managed_area_ids(user)
    people = get_user_model().objects.all()
    if scope is not None:
        if not scope:
            return people.none()
        in_my_areas = Role.objects.filter(user=OuterRef("pk"), kind__in=AREA_KINDS, areas__in=scope)
        invited_here = Invitation.objects.pending().filter(user=OuterRef("pk"), areas__in=scope)
        people = people.filter(Q(Exists(in_my_areas)) | Q(Exists(invited_here)))
    pending = Invitation.objects.pending().filter(user=OuterRef("pk"))
    return (
        people.annotate(has_open_invitation=Exists(pending))
        .prefetch_related(_roles_shown(scope))
        .order_by(Lower(Coalesce(NullIf("last_name", Value("")), "username")), "first_name")
    )


def may_see_person(user: AnyUser, person: AbstractBaseUser) -> bool:
    return people_for(user).filter(pk=person.pk).exists()


def person_for(user: AnyUser, pk: int) -> User:
    """One person `user` may see, or 404 (whether the person exists elsewhere is not
    disclosed)."""
    person = people_for(user).filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    return person


@dataclass
class InvitationView:
    invitation: Invitation
    roles: list[str]
    can_manage: bool


def describe_invitations(user: AnyUser, invitations: Iterable[Invitation]) -> list[InvitationView]:
    """Invitations with their roles in words (two queries for any number) and whether
    `user` may resend or revoke each. A commissioner sees only invitations to their
    own areas that they could have sent."""
    invitations = list(invitations)
    scope = managed_area_ids(user)
    if scope is not None:
        invitations = [i for i in invitations if may_grant(user, i.roles)]
    grants = [grant for invitation in invitations for grant in invitation.roles]
    areas = dict(Area.objects.filter(pk__in=grant_area_ids(grants)).values_list("pk", "name"))
    regions = dict(Region.objects.filter(pk__in=grant_region_ids(grants)).values_list("pk", "name"))
    return [
        InvitationView(
            invitation=i,
            roles=describe(i.roles, areas, regions),
            can_manage=i.is_open and may_grant(user, i.roles),
        )
        for i in invitations
    ]


def invitation_history(user: AnyUser, person: User) -> list[InvitationView]:
    """Every invitation to `person` the viewer may see, newest first."""
    invitations = Invitation.objects.filter(user=person).select_related("invited_by")
    return describe_invitations(user, invitations)


def pending_invitations_for(user: AnyUser) -> list[InvitationView]:
    """Open invitations the viewer may see, newest first."""
    scope = managed_area_ids(user)
    invitations = Invitation.objects.pending().select_related("user", "invited_by")
    if scope is not None:
        invitations = invitations.filter(areas__in=scope).distinct()
    return describe_invitations(user, invitations[:200])


def invitation_for(user: AnyUser, pk: int) -> Invitation:
    invitation = Invitation.objects.select_related("user", "invited_by").filter(pk=pk).first()
    if invitation is None or not may_grant(user, invitation.roles):
        raise Http404("No such invitation.")
    return invitation


def grantable_areas(user: AnyUser) -> "QuerySet[Area]":
    scope = managed_area_ids(user)
    areas = Area.objects.select_related("region").order_by("name")
    return areas if scope is None else areas.filter(pk__in=scope)


def describe_grants(grants: list[Mapping[str, Any]]) -> list[str]:
    areas = dict(Area.objects.filter(pk__in=grant_area_ids(grants)).values_list("pk", "name"))
    regions = dict(Region.objects.filter(pk__in=grant_region_ids(grants)).values_list("pk", "name"))
    return describe(grants, areas, regions)


# -- the welcome page ----------------------------------------------------------


@dataclass
class AreaRound:
    round: Round
    area: Area
    plan: Plan | None
    can_start: bool = False  # the viewer is the area's commissioner and may start it


@dataclass
class Colleague:
    person: User
    roles: list[tuple[str, list[str]]]  # (role, area names in the viewer's areas)


@dataclass
class DeadlineView:
    deadline: RoundDeadline
    days_left: int

    @property
    def passed(self) -> bool:
        return self.days_left < 0


@dataclass
class RoundWelcome:
    round: Round
    plans: list[AreaRound] = field(default_factory=list)
    deadlines: list[DeadlineView] = field(default_factory=list)


@dataclass
class Welcome:
    areas: list[tuple[Area, list[str]]]  # (area, the user's roles there)
    rounds: list[RoundWelcome] = field(default_factory=list)
    colleagues: list[Colleague] = field(default_factory=list)
    # Invited to the viewer's areas and not yet accepted: who else is coming.
    invited: list[Colleague] = field(default_factory=list)


def welcome(user: User, today: date | None = None) -> Welcome:
    """What a new area user needs first: their areas, each open round's plan for each
    of them (or that it has not been started) and the round's deadlines, and who else
    holds roles there. Eight queries, whatever the number of areas."""
    today = today or timezone.localdate()
    mine = area_ids(user)
    kinds_by_area: dict[int, list[str]] = {}
    for role in roles_of(user):
        if role.kind not in AREA_KINDS:
            continue
        for area in role.areas.all():
            kinds_by_area.setdefault(area.pk, []).append(role.get_kind_display())
    areas = list(Area.objects.filter(pk__in=mine).select_related("region").order_by("name"))
    result = Welcome(areas=[(area, kinds_by_area.get(area.pk, [])) for area in areas])
    if not areas:
        return result
    rounds = {r.pk: RoundWelcome(round=r) for r in Round.objects.open().order_by("-slug")}
    commissioning = area_ids(user, kinds={Role.Kind.COMMISSIONER})
    plans = {
        (p.round_id, p.area_id): p
        for p in Plan.objects.filter(round__in=rounds, area__in=mine).select_related(
            "round", "area"
        )
    }
    for item in rounds.values():
        item.plans = [
            AreaRound(
                round=item.round,
                area=a,
                plan=plans.get((item.round.pk, a.pk)),
                can_start=a.pk in commissioning,
            )
            for a in areas
        ]
    for deadline in RoundDeadline.objects.filter(round__in=rounds).order_by("due", "order"):
        rounds[deadline.round_id].deadlines.append(
            DeadlineView(deadline=deadline, days_left=(deadline.due - today).days)
        )
    result.rounds = list(rounds.values())
    others = (
        Role.objects.filter(kind__in=AREA_KINDS, areas__in=mine, user__is_active=True)
        .exclude(user=user)
        .distinct()
        .select_related("user")
        .prefetch_related(Prefetch("areas", queryset=Area.objects.filter(pk__in=mine)))
        .order_by("user__last_name", "user__first_name", "user__username", "kind")
    )
    colleagues: dict[int, Colleague] = {}
    for role in others:
        colleague = colleagues.setdefault(role.user_id, Colleague(person=role.user, roles=[]))
        colleague.roles.append((role.get_kind_display(), [a.name for a in role.areas.all()]))
    result.colleagues = list(colleagues.values())
    result.invited = _invited_to(mine, user)
    return result


def _invited_to(area_pks: set[int], user: User) -> list[Colleague]:
    """Pending invitations to these areas, with the roles each will grant there."""
    invitations = (
        Invitation.objects.pending()
        .filter(areas__in=area_pks)
        .exclude(user=user)
        .distinct()
        .select_related("user")
        .prefetch_related(Prefetch("areas", queryset=Area.objects.filter(pk__in=area_pks)))
        .order_by("full_name", "email")
    )
    invited = []
    for invitation in invitations:
        names = {area.pk: area.name for area in invitation.areas.all()}
        roles = [
            (
                Role.Kind(grant["kind"]).label,
                [names[a] for a in grant.get("areas", []) if a in names],
            )
            for grant in invitation.roles
            if grant.get("kind") in AREA_KINDS
        ]
        invited.append(Colleague(person=invitation.user, roles=roles))
    return invited


# -- the CCG import preview ----------------------------------------------------


@dataclass
class CcgChange:
    code: str
    name: str
    old_name: str | None  # None: a new CCG
    areas: list[str]
    added: list[str]
    removed: list[str]


@dataclass
class CcgChanges:
    new: list[CcgChange]
    changed: list[CcgChange]
    unchanged: int
    digest: str

    @property
    def count(self) -> int:
        return len(self.new) + len(self.changed)


def recorded_ccgs() -> "QuerySet[ClinicalCommissioningGroup]":
    """Every CCG with the HWBs it serves (two queries)."""
    return ClinicalCommissioningGroup.objects.order_by("name").prefetch_related(
        Prefetch("areas", queryset=Area.objects.order_by("name").only("pk", "name"))
    )


def ccg_changes(rows: list[CcgRow]) -> CcgChanges:
    """What writing `rows` would change: new CCGs, CCGs whose name or HWBs change,
    and a digest of it, so the write can check that it does what was previewed."""
    names = dict(Area.objects.values_list("ons_code", "name"))
    current = {
        ccg.code: ccg
        for ccg in ClinicalCommissioningGroup.objects.prefetch_related(
            Prefetch("areas", queryset=Area.objects.only("pk", "ons_code"))
        )
    }
    new, changed, unchanged = [], [], 0
    for row in rows:
        ccg = current.get(row.code)
        wanted = set(row.area_codes)
        had = {area.ons_code for area in ccg.areas.all()} if ccg else set()
        change = CcgChange(
            code=row.code,
            name=row.name,
            old_name=ccg.name if ccg else None,
            areas=sorted(names[c] for c in wanted),
            added=sorted(names[c] for c in wanted - had),
            removed=sorted(names[c] for c in had - wanted),
        )
        if ccg is None:
            new.append(change)
        elif ccg.name != row.name or change.added or change.removed:
            changed.append(change)
        else:
            unchanged += 1
    plan = [(c.code, c.name, c.old_name, c.added, c.removed) for c in new + changed]
    digest = hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()
    return CcgChanges(new=new, changed=changed, unchanged=unchanged, digest=digest)
