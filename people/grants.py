"""What an invitation grants, and who may grant it.

A grant is one role to give: `{"kind": "commissioner", "areas": [3, 7]}` for the area
roles (commissioner, finance officer), `{"kind": "reviewer", "region": 2}` for the
regional ones (assurers and moderators) and `{"kind": "national_admin"}` for the
national ones. An invitation stores its grants as a JSON list of these.

An area's commissioner may grant area roles in their own areas; a national
administrator may grant anything (DESIGN.md section 4).
"""

from collections.abc import Iterable, Mapping
from typing import Any, NotRequired, TypedDict

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from plans.models import Role
from plans.models.access import AREA_KINDS, REGIONAL_KINDS, area_ids, is_national_admin

Kind = Role.Kind
NATIONAL_KINDS = (Kind.NATIONAL_APPROVER, Kind.NATIONAL_ADMIN)
KIND_LABELS: dict[str, str] = dict(Kind.choices)
# The order roles are listed in, on pages and in emails.
KIND_ORDER = {kind: number for number, (kind, _label) in enumerate(Kind.choices)}

type AnyUser = AbstractBaseUser | AnonymousUser


class Grant(TypedDict):
    kind: str
    areas: NotRequired[list[int]]
    region: NotRequired[int]


class GrantError(ValueError):
    """The grants are malformed; the message says how, in words for the inviter."""


def _ids(value: Any) -> list[int]:
    if not isinstance(value, list | tuple | set) or not value:
        raise GrantError("Choose at least one area for each area role")
    found = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
            raise GrantError("An area is not one of the list")
        found.add(item)
    return sorted(found)


def normalise(grants: Iterable[Mapping[str, Any]]) -> list[Grant]:
    """The grants checked for shape and merged: one grant per kind for area and
    national roles (areas united), one per (kind, region) for regional roles, in the
    order of `Role.Kind`. Raises GrantError."""
    area: dict[str, set[int]] = {}
    regional: set[tuple[str, int]] = set()
    national: set[str] = set()
    for grant in grants:
        kind = grant.get("kind")
        extra = set(grant) - {"kind", "areas", "region"}
        if extra or kind not in KIND_LABELS:
            raise GrantError("Choose a role from the list")
        if kind in AREA_KINDS:
            if grant.get("region") is not None:
                raise GrantError(f"A {KIND_LABELS[kind].lower()} works for areas, not a region")
            area.setdefault(kind, set()).update(_ids(grant.get("areas")))
        elif kind in REGIONAL_KINDS:
            region = grant.get("region")
            if grant.get("areas"):
                raise GrantError(f"A {KIND_LABELS[kind].lower()} works for a region, not areas")
            if isinstance(region, bool) or not isinstance(region, int) or region <= 0:
                raise GrantError(f"Choose the region of the {KIND_LABELS[kind].lower()}")
            regional.add((kind, region))
        else:
            if grant.get("areas") or grant.get("region") is not None:
                raise GrantError(f"A {KIND_LABELS[kind].lower()} works nationally")
            national.add(kind)
    result: list[Grant] = [{"kind": k, "areas": sorted(ids)} for k, ids in area.items()]
    result += [{"kind": k, "region": r} for k, r in regional]
    result += [{"kind": k} for k in national]
    if not result:
        raise GrantError("Choose at least one role")
    return sorted(result, key=lambda g: (KIND_ORDER[g["kind"]], g.get("region", 0)))


def grant_area_ids(grants: Iterable[Mapping[str, Any]]) -> set[int]:
    return {area for grant in grants for area in grant.get("areas", [])}


def grant_region_ids(grants: Iterable[Mapping[str, Any]]) -> set[int]:
    return {grant["region"] for grant in grants if grant.get("region")}


def commissioner_area_ids(user: AnyUser) -> set[int]:
    """The areas in which `user` is a commissioner: where they manage people."""
    return area_ids(user, (Kind.COMMISSIONER,))


def may_grant(user: AnyUser | None, grants: Iterable[Mapping[str, Any]]) -> bool:
    """National administrators may grant any role; an area's commissioner area roles
    in their own areas only; nobody else anything."""
    if user is None or not user.is_active:
        return False
    if is_national_admin(user):
        return True
    own = commissioner_area_ids(user)
    grants = list(grants)
    return bool(grants) and all(
        grant["kind"] in AREA_KINDS and set(grant.get("areas", [])) <= own for grant in grants
    )


def grantable_kinds(user: AnyUser) -> list[tuple[str, str]]:
    """The roles `user` may put in an invitation, as form choices."""
    if is_national_admin(user):
        return list(Kind.choices)
    if commissioner_area_ids(user):
        return [(kind, KIND_LABELS[kind]) for kind in AREA_KINDS]
    return []


def describe(
    grants: Iterable[Mapping[str, Any]],
    area_names: Mapping[int, str],
    region_names: Mapping[int, str],
) -> list[str]:
    """Each grant in words: "Commissioner (area editor) for Havering, Redbridge"."""
    lines = []
    for grant in grants:
        label = KIND_LABELS.get(grant.get("kind", ""), "Unknown role")
        if grant.get("areas"):
            names = sorted(area_names.get(pk, "an area no longer listed") for pk in grant["areas"])
            lines.append(f"{label} for {', '.join(names)}")
        elif grant.get("region"):
            lines.append(f"{label} for {region_names.get(grant['region'], 'a region')}")
        else:
            lines.append(label)
    return lines
