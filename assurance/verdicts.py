"""The check page's verdicts: every rule the round runs, with what it asks in words a
user knows, whether the plan meets it (met, not met, or not set where the nationally
set figure it needs is missing), the figures it judged and its findings.

The findings are the engine's (plans.findings.check_plan, as the task list and
submission read them); the figures are the money rules' own (finance.selectors), so
the page never compares anything again.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from finance.checks import Check, rule_figures
from plans.findings import ERROR, RULES, Finding
from plans.models import Plan
from plans.stamps import kept_for_plan

MET, NOT_MET, NOT_SET = "met", "not_met", "not_set"

# The words over each rule's figures: (what is required, what the plan has).
FIGURE_LABELS = {
    "income_equals_expenditure": ("Income", "Planned spending"),
    "spend_covers_allocation": ("Pooled budget", "Planned spending"),
    "dfg_passed_through": ("Grant allocated", "In the pool"),
}
DEFAULT_LABELS = ("Minimum", "In the plan")


@dataclass
class Verdict:
    title: str
    severity: str  # the round's severity for the rule: an error blocks submission
    status: str
    figures: list[Check] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # findings with their links
    labels: tuple[str, str] = DEFAULT_LABELS

    @property
    def blocks_submission(self) -> bool:
        return self.severity == ERROR


def _status(findings: Sequence[Finding], figures: Sequence[Check]) -> str:
    if any(c.met is False for c in figures) or any(f.severity == ERROR for f in findings):
        return NOT_MET
    if any(c.required is None for c in figures):
        return NOT_SET  # a nationally set figure is missing: the rule cannot judge it yet
    if findings:
        return NOT_MET
    return MET


def verdicts(plan: Plan, findings: Iterable[Finding], link: Any) -> list[Verdict]:
    """One verdict per rule of the plan's round, in the round's order. `link(finding)`
    gives a finding's row for the page (its section and address)."""
    findings = list(findings)
    round_rules = list(plan.round.rules.all())
    figures = kept_for_plan(
        "rule-figures", plan, lambda plan: rule_figures(plan, findings, round_rules)
    )
    out = []
    for code, severity in ((r.code, r.severity) for r in round_rules):
        registered = RULES[code]
        own = [f for f in findings if f.code == code]
        shown = figures.get(code, [])
        out.append(
            Verdict(
                title=registered.title,
                severity=severity or registered.severity,
                status=_status(own, shown),
                figures=shown,
                rows=[link(f) for f in sorted(own, key=lambda f: (f.severity != ERROR, f.where))],
                labels=FIGURE_LABELS.get(code, DEFAULT_LABELS),
            )
        )
    return out
