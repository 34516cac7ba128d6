"""The reads behind the rounds pages (national administrators), the plans an area's
commissioner may start, and the allocations import's preview. Each page's reads are
a fixed number of queries, whatever the number of areas, plans or rows."""

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, QuerySet

from finance.models import MinimumAllocation
from plans.models import Area, Plan, Region, Role, Round, RoundDeadline, Section
from plans.models.access import area_ids, is_national_admin
from schemes.models import Scheme

from .allocations import AllocationRow
from .models import AllocationUpload

type AnyUser = AbstractBaseUser | AnonymousUser

STATUS_LABELS = dict(Plan.Status.choices)


def can_manage_rounds(user: AnyUser) -> bool:
    return is_national_admin(user)


def commissioner_area_ids(user: AnyUser) -> set[int]:
    return area_ids(user, (Role.Kind.COMMISSIONER,))


def may_start_plan(user: AnyUser, round_: Round, area: Area) -> bool:
    """An area's commissioner starts their own area's plan while the round is open; a
    national administrator any area's, open or not."""
    if is_national_admin(user):
        return True
    return round_.is_open and area.pk in commissioner_area_ids(user)


# -- /rounds/ ---------------------------------------------------------------------------


@dataclass
class RoundSummary:
    round: Round
    years: list[str]
    plans: int
    by_status: list[tuple[str, int]]  # (status label, count), in the statuses' order
    next_deadline: RoundDeadline | None = None


def rounds_overview() -> list[RoundSummary]:
    """Every round with its plans counted by status (four queries)."""
    rounds = list(Round.objects.prefetch_related("years").order_by("-slug"))
    counts: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for row in Plan.objects.values("round", "status").annotate(n=Count("pk")):
        counts[row["round"]][row["status"]] += row["n"]
    deadlines: dict[int, list[RoundDeadline]] = defaultdict(list)
    for deadline in RoundDeadline.objects.order_by("due", "order"):
        deadlines[deadline.round_id].append(deadline)
    out = []
    for round_ in rounds:
        by_status = [
            (label, counts[round_.pk][value])
            for value, label in Plan.Status.choices
            if counts[round_.pk][value]
        ]
        submission = [d for d in deadlines[round_.pk] if d.kind == RoundDeadline.Kind.SUBMISSION]
        out.append(
            RoundSummary(
                round=round_,
                years=[year.label for year in round_.years.all()],
                plans=sum(counts[round_.pk].values()),
                by_status=by_status,
                next_deadline=submission[0] if submission else None,
            )
        )
    return out


# -- /rounds/<round>/ -------------------------------------------------------------------


@dataclass
class AreaRow:
    area: Area
    plan: Plan | None
    partners: list[str] = field(default_factory=list)  # other areas of a joint plan

    @property
    def status(self) -> str:
        return self.plan.status_label if self.plan else "No plan"


@dataclass
class RoundAreas:
    regions: list[tuple[Region, list[AreaRow]]]  # after the filters
    total: int  # every area
    with_plan: int
    without_plan: list[Area]  # every area without a plan, whatever the filters
    by_status: list[tuple[str, int]]
    shown: int


def round_areas(round_: Round, *, region: str = "", has_plan: str = "") -> RoundAreas:
    """Every HWB grouped by region with its plan for the round (two queries): all of
    them, or those of one region (`region`: its slug) and with or without a plan
    (`has_plan`: "yes" or "no")."""
    areas = list(Area.objects.select_related("region").order_by("region__name", "name"))
    plans = {
        plan.area_id: plan for plan in Plan.objects.filter(round=round_).select_related("narrative")
    }
    names = {area.pk: area.name for area in areas}
    partners: defaultdict[int, list[int]] = defaultdict(list)
    for each in plans.values():
        partners[each.narrative_id].append(each.area_id)
    counts = Counter(each.status for each in plans.values())
    grouped: dict[int, tuple[Region, list[AreaRow]]] = {}
    shown = 0
    for area in areas:
        plan = plans.get(area.pk)
        if region and area.region.slug != region:
            continue
        if (has_plan == "yes" and plan is None) or (has_plan == "no" and plan is not None):
            continue
        row = AreaRow(area, plan)
        if plan is not None:
            row.partners = sorted(
                names[a] for a in partners[plan.narrative_id] if a != area.pk and a in names
            )
        grouped.setdefault(area.region_id, (area.region, []))[1].append(row)
        shown += 1
    return RoundAreas(
        regions=list(grouped.values()),
        total=len(areas),
        with_plan=len(plans),
        without_plan=[area for area in areas if area.pk not in plans],
        by_status=[(label, counts[value]) for value, label in Plan.Status.choices if counts[value]],
        shown=shown,
    )


def regions() -> QuerySet[Region]:
    return Region.objects.order_by("name")


def calendar(round_: Round) -> QuerySet[RoundDeadline]:
    return round_.deadlines.select_related("stage").order_by("due", "order")


def allocations_recorded(round_: Round) -> int:
    """How many minimums are recorded for the round's years."""
    return MinimumAllocation.objects.filter(year__rounds=round_).count()


def recent_uploads(round_: Round, limit: int = 10) -> list[AllocationUpload]:
    return list(AllocationUpload.objects.filter(round=round_).select_related("uploaded_by")[:limit])


# -- starting a plan ---------------------------------------------------------------------


def previous_plans(area_ids: Iterable[int], before: Round) -> dict[int, Plan]:
    """{area id: the area's plan of the latest round before `before`} (by slug: the
    round with the highest slug below it that has a plan for the area). One query."""
    found: dict[int, Plan] = {}
    for plan in (
        Plan.objects.filter(area__in=list(area_ids), round__slug__lt=before.slug)
        .select_related("round", "narrative")
        .order_by("area_id", "-round__slug")
    ):
        found.setdefault(plan.area_id, plan)
    return found


def previous_plan(area: Area, before: Round) -> Plan | None:
    return previous_plans([area.pk], before).get(area.pk)


def carried_sections(source: Round, target: Round) -> list[tuple[Section, Section]]:
    """(old section, new section) of the narrative sections both rounds have (by slug):
    the answers a plan started from an earlier one takes with it."""
    old = {s.slug: s for s in source.sections.filter(kind=Section.Kind.NARRATIVE)}
    return [
        (old[new.slug], new)
        for new in target.sections.filter(kind=Section.Kind.NARRATIVE).order_by("order")
        if new.slug in old
    ]


@dataclass
class StartOption:
    """A plan the user may start: the round, the area and the area's plan of the
    round before, if any, to start from."""

    round: Round
    area: Area
    previous: Plan | None = None
    sections: list[str] = field(default_factory=list)  # titles of answers carried over
    schemes: int = 0


def plans_to_start(user: AnyUser) -> list[StartOption]:
    """For each open round, the user's commissioner areas that have no plan in it, with
    the plan each could start from. Four queries, whatever the number of areas."""
    ids = commissioner_area_ids(user)
    if not ids:
        return []
    rounds = list(Round.objects.open().order_by("-slug"))
    if not rounds:
        return []
    areas = list(Area.objects.filter(pk__in=ids).order_by("name"))
    started = set(
        Plan.objects.filter(area__in=ids, round__in=rounds).values_list("round_id", "area_id")
    )
    earlier = list(
        Plan.objects.filter(area__in=ids)
        .select_related("round")
        .only("pk", "area_id", "round__slug", "round__name")
        .order_by("-round__slug")
    )
    options = []
    for round_ in rounds:
        for area in areas:
            if (round_.pk, area.pk) in started:
                continue
            previous = next(
                (p for p in earlier if p.area_id == area.pk and p.round.slug < round_.slug), None
            )
            options.append(StartOption(round_, area, previous))
    return options


def start_option(round_: Round, area: Area) -> StartOption:
    """What starting the area's plan for the round from its previous plan would carry
    over: the answers of the narrative sections both rounds share, and the schemes."""
    previous = previous_plan(area, round_)
    option = StartOption(round_, area, previous)
    if previous is not None:
        carried = carried_sections(previous.round, round_)
        answered = set(
            previous.narrative.answers.exclude(text="").values_list("section_id", flat=True)
        )
        option.sections = [new.title for old, new in carried if old.pk in answered]
        option.schemes = Scheme.objects.filter(plan=previous).count()
    return option


# -- the allocations import ------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationChange:
    kind: str  # label
    year: str  # label
    old: Decimal | None
    new: Decimal


@dataclass
class AreaChanges:
    area: str
    new: list[AllocationChange] = field(default_factory=list)
    changed: list[AllocationChange] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class AllocationChanges:
    areas: list[AreaChanges]  # by area name; only areas the file names
    new: int
    changed: int
    unchanged: int
    digest: str

    @property
    def count(self) -> int:
        return self.new + self.changed

    @property
    def changed_areas(self) -> list[AreaChanges]:
        return [entry for entry in self.areas if entry.new or entry.changed]

    @property
    def unchanged_areas(self) -> int:
        return len(self.areas) - len(self.changed_areas)

    def summary(self) -> dict:
        return {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "areas": len(self.areas),
            "digest": self.digest,
        }


def stored_minimums(
    rows: Sequence[AllocationRow],
) -> dict[tuple[int, str, int], MinimumAllocation]:
    """The stored minimums the rows would replace, by (area, kind, year). One query."""
    if not rows:
        return {}
    return {
        (m.area_id, m.kind, m.year_id): m
        for m in MinimumAllocation.objects.filter(
            area__in={row.area_id for row in rows}, year__in={row.year_id for row in rows}
        )
    }


def allocation_changes(rows: Sequence[AllocationRow]) -> AllocationChanges:
    """What writing the rows would change, per area: new minimums, changed ones (old →
    new) and how many are unchanged, with a digest so the write can check it does what
    was previewed. Minimums the file does not name are left as they are."""
    stored = stored_minimums(rows)
    labels = dict(MinimumAllocation.Kind.choices)
    by_area: dict[str, AreaChanges] = {}
    plan: list[list[str]] = []
    for row in sorted(rows, key=lambda r: (r.area_name, r.start_year, r.kind)):
        entry = by_area.setdefault(row.area_name, AreaChanges(row.area_name))
        current = stored.get((row.area_id, row.kind, row.year_id))
        year = f"{row.start_year}/{(row.start_year + 1) % 100:02d}"
        change = AllocationChange(
            labels[row.kind], year, current.amount if current else None, row.amount
        )
        if current is None:
            entry.new.append(change)
        elif current.amount != row.amount:
            entry.changed.append(change)
        else:
            entry.unchanged += 1
            continue
        old = "" if current is None else f"{current.amount:.2f}"
        plan.append([str(row.area_id), row.kind, str(row.year_id), old, f"{row.amount:.2f}"])
    digest = hashlib.sha256(json.dumps(plan).encode()).hexdigest()
    areas = list(by_area.values())
    return AllocationChanges(
        areas=areas,
        new=sum(len(a.new) for a in areas),
        changed=sum(len(a.changed) for a in areas),
        unchanged=sum(a.unchanged for a in areas),
        digest=digest,
    )
