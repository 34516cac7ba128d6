"""The validation engine: the shape every rule returns, the one registry of rules, and
the run of a round's rules against a plan.

Each app declares its rules once, in its own `rules.py`, with `@rule(...)`, and the
plain data they read with `@fact(...)`; its AppConfig.ready() imports that module.
The check page, the task list, submission, the finance page and the API all read
`check_plan`, so a rule is decided in one place. A round that names a code with no
rule is refused when it is loaded and by `manage.py check` (plans.system_checks).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from plans.stamps import kept_for_plans

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
# The findings are kept under the plan's content stamp (plans.stamps): the task list,
# the check page, submission, the finance page, the overview and the API share one run
# of the rules per change, and a change is seen at once.


def plan_findings(plan: Plan, *, only: Collection[str] | None = None) -> list[Finding]:
    """check_plan(plan, only=only), from the findings kept for the plan's content
    stamp, run again only when something the rules read has changed."""
    return [
        finding for code, finding in plans_findings([plan])[plan.pk] if only is None or code in only
    ]


def plans_findings(plans: Iterable[Plan]) -> dict[int, list[tuple[str, Finding]]]:
    """{plan pk: [(rule code, finding)]} for several plans: the rules run only for the
    plans changed since their findings were kept."""
    return kept_for_plans(
        "findings", list(plans), lambda todo: {plan.pk: _run_rules(plan) for plan in todo}
    )
