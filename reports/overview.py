"""The national and regional overview: one row per Health and Wellbeing Board in
scope, with its plan's status and the money rules met or not, all from a fixed
number of aggregate queries however many plans there are."""

import functools
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from django.apps import apps
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Max, Sum
from django.utils import timezone

from assurance.calendar import Overdue, overdue_by_plan
from finance import rules as finance_rules
from finance import selectors
from finance.models import MinimumAllocation
from plans import permissions
from plans.models import Area, Plan
from plans.stamps import kept_for_plans, kept_under
from schemes.models import ExpenditureLine

Kind = MinimumAllocation.Kind
MONEY_RULES = [
    (Kind.POOLED_BUDGET, "Pooled budget minimum"),
    (Kind.SOCIAL_CARE, "Protection of social care"),
    (Kind.OUT_OF_HOSPITAL, "Out-of-hospital ring-fence"),
    ("balanced", "Income = expenditure"),
]


@dataclass
class Row:
    area: Area
    plan: Plan | None
    days_since_submission: int | None = None
    income: Decimal = Decimal(0)
    spend: Decimal = Decimal(0)
    rules: dict = field(default_factory=dict)  # rule key -> True / False / None
    overdue: Overdue | None = None  # the earliest passed deadline the plan still owes


def overview_rows(user, round_, region=None, status=None):
    """[Row] for every area the user may see in the round."""
    return rows_and_money(user, round_, region, status)[0]


def rows_and_money(user, round_, region=None, status=None):
    """([Row], the plans' figures (plan_money)): the page sums its roll-ups from the
    same figures rather than reading them again."""
    areas = Area.objects.select_related("region").order_by("name")
    plans = permissions.visible_plans(user).filter(round=round_)
    if not permissions.sees_every_region(user):
        areas = areas.filter(region__in=permissions.region_ids(user))
    if region:
        areas, plans = areas.filter(region__slug=region), plans.filter(area__region__slug=region)
    if status:
        plans = plans.filter(status=status)
    plans = list(
        plans.select_related("area", "round", "content_stamp").annotate(
            version=Max("versions__number"), submitted_at=Max("versions__submitted_at")
        )
    )
    by_area = {p.area_id: p for p in plans}
    if status:
        areas = areas.filter(pk__in=by_area)
    areas = list(areas)
    money = plan_money(plans)
    now = timezone.now()
    overdue = overdue_by_plan(plans)
    rows = []
    for area in areas:
        plan = by_area.get(area.pk)
        row = Row(area, plan, overdue=overdue.get(plan.pk) if plan else None)
        rows.append(row)
        if plan is None:
            continue
        if plan.submitted_at:
            row.days_since_submission = (now - plan.submitted_at).days
        figures = money[plan.pk]
        row.income, row.spend = figures["totals"]["income"], figures["totals"]["spend"]
        row.rules = dict(figures["verdicts"])
    return rows, money


def plan_money(plans: list[Plan]) -> dict[int, dict[str, dict]]:
    """{plan pk: its figures for the overview}, each plan's kept under its content
    stamp: after a change, only the changed plans are summed again."""
    return kept_for_plans("overview-money", plans, _sum_money)


def _sum_money(plans: list[Plan]) -> dict[int, dict[str, dict]]:
    """The plans' figures, summed by the database: seven queries for any number."""
    slugs = {plan.area.slug: plan.pk for plan in plans}
    money: dict[int, dict[str, dict]] = {
        plan.pk: {part: {} for part in ("in", "out", "ring", "by_group", "by_theme")}
        for plan in plans
    }
    income, spend = selectors.income_by_area(plans), selectors.expenditure_by_area(plans)
    for slug, pk in slugs.items():
        money[pk]["income"], money[pk]["spend"] = income.get(slug, {}), spend.get(slug, {})
    for (slug, year), values in selectors.ring_fenced_actuals(plans).items():
        money[slugs[slug]]["ring"][year] = values
    for part, totals in (
        ("in", selectors.income_by_source(plans)),
        ("out", selectors.spend_by_source(plans)),
    ):
        for (slug, year, source), total in totals.items():
            money[slugs[slug]][part][(year, source)] = total
    for part, column in (("by_group", "source__report_group"), ("by_theme", "scheme__theme")):
        rows = (
            ExpenditureLine.objects.filter(scheme__plan__in=plans)
            .values_list("scheme__plan", column, "year__start_year")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for pk, key, year, total in rows:
            money[pk][part][(key, year)] = total
    minimums = selectors.minimums_by_kind({plan.area_id for plan in plans})
    for plan in plans:
        figures = money[plan.pk]
        figures["totals"] = {
            "income": sum(figures["income"].values(), Decimal(0)),
            "spend": sum(figures["spend"].values(), Decimal(0)),
        }
        figures["verdicts"] = _verdicts(figures, minimums[plan.area_id])
    return money


def _verdicts(figures: dict[str, dict], minimums: dict) -> dict[str, bool | None]:
    """{money rule key: met, not met, or None where it does not apply}: the rules'
    own tests on the plan's figures, kept with them."""
    ring = figures["ring"]
    actuals = {
        "pooled_budget": figures["income"],
        "social_care": {y: v["social_care"] for y, v in ring.items()},
        "out_of_hospital": {y: v["out_of_hospital"] for y, v in ring.items()},
    }
    verdicts: dict[str, bool | None] = {}
    for key, label in MONEY_RULES[:3]:
        minimum = minimums[key]
        met = not finance_rules.minimum_met(key, label, actuals[key], minimum)
        verdicts[key] = met if minimum else None
    mine_in, mine_out = figures["in"], figures["out"]
    verdicts["balanced"] = (
        not finance_rules.income_equals_expenditure(mine_in, mine_out, {})
        if (mine_in or mine_out)
        else None
    )
    return verdicts


def _across(money: dict[int, dict[str, dict]], part: str, column: str) -> list[dict[str, Any]]:
    """[{column, year__start_year, total}] of one part summed across the plans, in
    order of the column and the year."""
    totals: defaultdict[tuple, Decimal] = defaultdict(Decimal)
    for figures in money.values():
        for key, total in figures[part].items():
            totals[key] += total
    return [
        {column: key, "year__start_year": year, "total": total}
        for (key, year), total in sorted(totals.items())
    ]


def rollups(plans, money):
    """Totals across the plans: spend by source and year, by theme and year, and the
    ring-fences against their minimums, from each plan's figures (plan_money)."""
    money = {p.pk: money[p.pk] for p in plans}
    by_source = _across(money, "by_group", "source__report_group")
    by_theme = _across(money, "by_theme", "scheme__theme")
    totals = defaultdict(lambda: Decimal(0))
    for figures in money.values():
        for year, values in figures["ring"].items():
            totals[("social_care", year)] += values["social_care"]
            totals[("out_of_hospital", year)] += values["out_of_hospital"]
    minimum = (
        MinimumAllocation.objects.filter(area__plans__in=plans)
        .values("kind", "year__start_year")
        .annotate(total=Sum("amount"))
    )
    return {
        "by_source": by_source,
        "by_theme": by_theme,
        "ring_fences": sorted(
            (
                kind,
                year,
                totals[(kind, year)],
                next(
                    (
                        m["total"]
                        for m in minimum
                        if m["kind"] == kind and m["year__start_year"] == year
                    ),
                    None,
                ),
            )
            for kind, year in totals
        ),
    }


# -- kept per latest change -----------------------------------------------------------
# The overview reads plans, their money, versions, assurance and returns, and reference
# data. Every writer of those leaves a history row or a new row, or moves a version or
# an auto-updated time, so one query of each table's latest id (history tables
# included: changes in place add a history row), of the row count of tables kept
# without history, and of every version sum and latest auto-updated time says whether
# anything has changed since the overview was kept. The key also
# holds the date (days since submission, what is overdue) and whose overview it is.
# OVERVIEW_TIMEOUT bounds what the marker cannot see: reference data (an area's
# name) edited in place, without history.

OVERVIEW_CACHE = "default"
# Rendered pages are large (≈ 60 kB for 50 rows) and one per user, filter, sort and
# page: kept apart, in a cache of their own size, so they cannot push out what every
# plan's pages keep.
PAGES_CACHE = "pages"
OVERVIEW_TIMEOUT = 5 * 60
_ROOT = Path(__file__).resolve().parent.parent


def _ours(model: Any) -> bool:
    path = Path(model._meta.app_config.path).resolve()
    return path.is_relative_to(_ROOT) and ".venv" not in path.parts


def _select(function: str, column: str, table: str) -> str:
    qn = connection.ops.quote_name
    return f"(SELECT {function}({column and qn(column)}) FROM {qn(table)})"  # noqa: S608 (names from the models)


@functools.cache
def _marker_sql() -> str:
    parts = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or not _ours(model):
            continue
        numbered = meta.pk.get_internal_type() in ("AutoField", "BigAutoField")
        if numbered:  # (a random key, a UUID, says nothing by its maximum)
            parts.append(_select("MAX", str(meta.pk.column), meta.db_table))
        if hasattr(model, "instance_type"):  # a history table: its latest id is enough
            continue
        if not numbered or not getattr(meta, "simple_history_manager_attribute", None):
            # deletions leave no history row here
            parts.append(_select("COUNT", "", meta.db_table).replace("COUNT()", "COUNT(*)"))
        for f in meta.concrete_fields:  # updates in place that leave no history row
            if f.name in ("lock_version", "version"):
                parts.append(_select("SUM", str(f.column), meta.db_table))
            elif getattr(f, "auto_now", False):
                parts.append(_select("MAX", str(f.column), meta.db_table))
    return "SELECT " + ", ".join(parts)


def _marker_cursor():
    """A cursor for the marker. On PostgreSQL a server-side-binding cursor that
    prepares it: planning its 170 sub-selects costs ≈ 15 ms each time, running the
    prepared statement ≈ 2 ms. Django's own cursors bind on the client and never
    prepare; the statement has no parameters, so binding changes nothing else. The
    cursor is wrapped as Django wraps its own, so query logs and execute wrappers see
    it like any other query."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    wrapper = CursorDebugWrapper if connection.queries_logged else CursorWrapper
    return wrapper(_Prepared(connection.connection), connection)


class _Prepared(psycopg.Cursor):
    def execute(self, query, params=None, **kwargs):  # type: ignore[override]
        return super().execute(query, params, prepare=True)


def latest_change() -> str:
    """A digest of the latest change to anything the overview reads: one query."""
    with _marker_cursor() as cursor:
        cursor.execute(_marker_sql())
        row = cursor.fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:24]


def kept(
    user: Any,
    parts: tuple,
    compute: Callable[[], Any],
    marker: str | None = None,
    cache_alias: str = OVERVIEW_CACHE,
) -> Any:
    """compute(), kept for this user and `parts` (round, filters) until anything the
    overview reads changes (`marker`: latest_change(), when the caller has read it).
    Kept only once the request's transaction commits, so what a rolled-back write
    showed is never kept."""
    who = (user.pk, user.is_active, user.is_staff, user.is_superuser)
    marker = marker or latest_change()
    key = (
        "bcf:overview:"
        + hashlib.sha256(repr((who, parts, timezone.localdate(), marker)).encode()).hexdigest()[:32]
    )
    return kept_under(key, compute, cache_alias=cache_alias, timeout=OVERVIEW_TIMEOUT)
