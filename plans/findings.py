"""The validation engine: the shape every rule returns, the one registry of rules, and
the run of a round's rules against a plan.

Each app declares its rules once, in its own `rules.py`, with `@rule(...)`, and the
plain data they read with `@fact(...)`; its AppConfig.ready() imports that module.
The check page, the task list, submission, the finance page and the API all read
`check_plan`, so a rule is decided in one place. A round that names a code with no
rule is refused when it is loaded and by `manage.py check` (plans.system_checks).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import Count, Max, OuterRef, Subquery

if TYPE_CHECKING:
    from plans.models import Plan

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    where: str  # a section slug, optionally with a row or cell, e.g. "finance#2017-dfg"


def money(amount: Decimal) -> str:
    return f"£{amount:,.0f}" if amount == amount.to_integral() else f"£{amount:,.2f}"


class Facts:
    """The plain data rules read about one plan. Each fact is computed the first time
    a rule asks for it and shared by every rule of the same check."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            self._values[name] = FACTS[name](self)
        return self._values[name]


type FactLoader = Callable[[Facts], Any]
type RuleCheck = Callable[[Facts], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    title: str  # what the rule asks, in words a user knows
    severity: str  # the default; a round may set its own (RoundRule.severity)
    check: RuleCheck


RULES: dict[str, Rule] = {}
FACTS: dict[str, FactLoader] = {}


def rule(code: str, *, title: str, severity: str = ERROR) -> Callable[[RuleCheck], RuleCheck]:
    """Register the decorated function as the check for rule `code`."""
    if severity not in SEVERITIES:
        raise ValueError(f"Rule {code}: severity must be one of {SEVERITIES}.")

    def register(check: RuleCheck) -> RuleCheck:
        if code in RULES and RULES[code].check is not check:
            raise ValueError(f"Rule {code} is declared twice.")
        RULES[code] = Rule(code, title, severity, check)
        return check

    return register


def fact(name: str) -> Callable[[FactLoader], FactLoader]:
    """Register the decorated function as the loader of fact `name`."""

    def register(loader: FactLoader) -> FactLoader:
        FACTS[name] = loader
        return loader

    return register


def unknown_codes(codes: Iterable[str]) -> list[str]:
    return [code for code in codes if code not in RULES]


def check_plan(plan: Plan, *, only: Collection[str] | None = None) -> list[Finding]:
    """Every finding of the plan's round's rules (or of those of them named in `only`),
    in the round's order. A round's own severity for a rule, where set, replaces the
    rule's default."""
    return [finding for _code, finding in _run_rules(plan, only)]


def _run_rules(plan: Plan, only: Collection[str] | None = None) -> list[tuple[str, Finding]]:
    """(rule code, finding) for every finding, in the round's order."""
    facts = Facts(plan)
    findings: list[tuple[str, Finding]] = []
    round_rules = plan.round.rules.all()
    if only is not None:
        round_rules = round_rules.filter(code__in=only)
    for code, severity in round_rules.values_list("code", "severity"):
        registered = RULES.get(code)
        if registered is None:
            raise LookupError(
                f"Round {plan.round.slug} names rule {code!r}, which no app declares."
            )
        found = registered.check(facts)
        if severity:
            found = [replace(f, severity=severity) for f in found]
        findings.extend((code, f) for f in found)
    return findings


# -- findings once per content version ----------------------------------------------
# Every writer leaves a history row (the house rule: one action, one transaction, its
# audit rows), so the latest history row of each model that hangs off a plan, its
# narrative, its area or its round says whether anything a rule reads has changed.
# `content_versions` reads them all in one query (each an index lookup), and
# `plan_findings` keeps the findings under that version: the task list, the check
# page, submission, the finance page and the API share one run per change.

FINDINGS_CACHE = "default"
FINDINGS_TIMEOUT = 24 * 60 * 60
# How a model's history reaches a plan: its field, and the plan's column it matches.
PATHS = (
    ("plan", "plan_id", "pk"),
    ("narrative", "narrative_id", "narrative"),
    ("scheme", "scheme__plan", "pk"),
    ("trajectory", "trajectory__plan", "pk"),
    ("area", "area_id", "area"),
    ("round", "round_id", "round"),
)


def _history_latest() -> dict[str, Any]:
    """{alias: latest history id, and row count, of each model with history that
    hangs off a plan, as subqueries over the plan}."""
    expressions: dict[str, Any] = {}
    for model in apps.get_models():
        attribute = getattr(model._meta, "simple_history_manager_attribute", None)
        if attribute is None:
            continue
        history = getattr(model, attribute).model
        names = {f.name for f in history._meta.get_fields()}
        for name, lookup, outer in PATHS:
            if name in names:
                latest = (
                    history.objects.filter(**{lookup: OuterRef(outer)})
                    .order_by()
                    .values(lookup)
                    .annotate(latest=Max("history_id"))
                    .values("latest")
                )
                label = model._meta.label_lower.replace(".", "_")
                expressions[f"h_{label}"] = Subquery(latest)
                # and how many rows there are now, for writes that left no history
                # (bulk loads of synthetic data)
                live = (
                    model._default_manager.filter(**{lookup: OuterRef(outer)})
                    .order_by()
                    .values(lookup)
                    .annotate(rows=Count("pk"))
                    .values("rows")
                )
                expressions[f"n_{label}"] = Subquery(live)
                break
    return expressions


_SENTINEL = -914_273_650


@functools.cache
def _version_sql() -> tuple[str, tuple[Any, ...], int]:
    """The version query, compiled once per process (Django takes longer to compile
    its 25-odd subqueries than the database takes to answer them)."""
    expressions = _history_latest()
    query = (
        apps.get_model("plans", "Plan")
        .objects.filter(pk=_SENTINEL)
        .annotate(**expressions)
        .values_list("pk", "lock_version", "updated_at", "status", *sorted(expressions))
        .query
    )
    sql, params = query.sql_with_params()
    return sql, tuple(params), params.index(_SENTINEL)


def content_version(plan: Plan) -> str:
    """A digest of everything the plan's findings read, from one query."""
    sql, params, at = _version_sql()
    values = list(params)
    values[at] = plan.pk
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:24]


def plan_findings(plan: Plan, *, only: Collection[str] | None = None) -> list[Finding]:
    """check_plan(plan, only=only), from the findings kept for the plan's content
    version, run again only when something the rules read has changed."""
    return [
        finding for code, finding in plans_findings([plan])[plan.pk] if only is None or code in only
    ]


def plans_findings(plans: Iterable[Plan]) -> dict[int, list[tuple[str, Finding]]]:
    """{plan pk: [(rule code, finding)]} for several plans: the rules run only for the
    plans changed since their findings were kept."""
    plans = list(plans)
    cache = caches[FINDINGS_CACHE]
    keys = {plan.pk: f"bcf:findings:{plan.pk}:{content_version(plan)}" for plan in plans}
    kept = cache.get_many(list(keys.values()))
    found: dict[int, list[tuple[str, Finding]]] = {}
    fresh: dict[str, list[tuple[str, Finding]]] = {}
    for plan in plans:
        key = keys[plan.pk]
        if key in kept:
            found[plan.pk] = kept[key]
        else:
            found[plan.pk] = fresh[key] = _run_rules(plan)
    if fresh:
        # Kept only once the transaction that read them commits: findings read from
        # writes that are then rolled back are never kept.
        transaction.on_commit(lambda: cache.set_many(fresh, FINDINGS_TIMEOUT))
    return found
