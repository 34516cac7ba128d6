"""Metric rules of DESIGN.md section 3 (rule 7), as functions over plain data.

A value row is a dict with the metric's code, name, unit, rate_base and better
direction, the period label, and value, numerator and denominator (any may be None).
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from plans.findings import ERROR, WARNING, Facts, Finding, fact, rule

from . import selectors
from .rates import ONE_DP, rate

__all__ = ["metric_values_valid", "metrics_complete", "plan_not_worse_than_baseline", "rate"]


def _where(code: str, label: str | None = None) -> str:
    return f"metrics#metric-{code}" + (f"-{label}" if label else "")


def metrics_complete(
    metrics: Iterable[tuple[str, str, bool, Sequence[str]]], planned: Collection[tuple[str, str]]
) -> list[Finding]:
    """Every required metric has a planned value for every period it defines.

    metrics: [(code, name, required, [period labels])]; planned: {(code, label)}."""
    findings: list[Finding] = []
    for code, name, required, labels in metrics:
        if not required:
            continue
        missing = [label for label in labels if (code, label) not in planned]
        if missing:
            shown = ", ".join(missing[:6]) + (
                f" and {len(missing) - 6} more" if len(missing) > 6 else ""
            )
            findings.append(
                Finding(
                    "metrics_complete",
                    ERROR,
                    f"{name}: no planned value for {shown}.",
                    _where(code),
                )
            )
    return findings


def metric_values_valid(rows: Iterable[selectors.ValueRow]) -> list[Finding]:
    """Percentages within 0-100, no negative counts, and rates that match their
    numerator and denominator."""
    findings: list[Finding] = []
    for row in rows:
        code, name, label, value = row["code"], row["name"], row["label"], row["value"]
        where = _where(code, label)
        numbers = [v for v in (value, row["numerator"], row["denominator"]) if v is not None]
        if any(v < 0 for v in numbers):
            findings.append(
                Finding(
                    "metric_values_valid", ERROR, f"{name}, {label}: a value is negative.", where
                )
            )
            continue
        if row["unit"] == "percentage" and value is not None and value > 100:
            findings.append(
                Finding(
                    "metric_values_valid",
                    ERROR,
                    f"{name}, {label}: {value}% is more than 100%.",
                    where,
                )
            )
        if row["unit"] == "rate" and value is not None and row["denominator"]:
            # A rate metric always has a rate_base (the metricdefinition constraint).
            base = cast(int, row["rate_base"])
            expected = rate(row["numerator"], row["denominator"], base)
            if expected is not None and expected != Decimal(value).quantize(ONE_DP, ROUND_HALF_UP):
                findings.append(
                    Finding(
                        "metric_values_valid",
                        ERROR,
                        f"{name}, {label}: the rate {value} does not match {row['numerator']} ÷ "
                        f"{row['denominator']:,} × {row['rate_base']:,} = {expected}.",
                        where,
                    )
                )
    return findings


def plan_not_worse_than_baseline(
    baselines: Mapping[str, Decimal | None], rows: Iterable[selectors.ValueRow]
) -> list[Finding]:
    """A warning where a planned value is worse than the baseline, in the metric's own
    direction of better. baselines: {code: value}."""
    findings: list[Finding] = []
    for row in rows:
        base = baselines.get(row["code"])
        value = row["value"]
        if base is None or value is None:
            continue
        worse = value > base if row["better"] == "lower" else value < base
        if worse:
            findings.append(
                Finding(
                    "metric_plan_vs_baseline",
                    WARNING,
                    f"{row['name']}, {row['label']}: the plan ({value}) is worse than the "
                    f"baseline ({base}).",
                    _where(row["code"], row["label"]),
                )
            )
    return findings


# Registration: the metric tables are read once per check and shared by the three rules.


@fact("metrics.tables")
def _tables(facts: Facts) -> list[selectors.MetricTable]:
    return selectors.metric_tables(facts.plan)


@fact("metrics.rows")
def _rows(facts: Facts) -> list[selectors.ValueRow]:
    tables = facts["metrics.tables"]
    return selectors.rule_rows(tables) + selectors.year_target_rows(tables)


@rule("metrics_complete", title="Every required metric has a planned value for every period")
def check_metrics_complete(facts: Facts) -> list[Finding]:
    tables = facts["metrics.tables"]
    return metrics_complete(
        [
            (
                t.metric.code,
                t.metric.name,
                t.metric.required and not t.metric.is_local,
                [p.label for p in t.periods],
            )
            for t in tables
        ],
        {(row["code"], row["label"]) for row in facts["metrics.rows"]}
        # An annual target plans every period of its year (B&D's delayed transfers).
        | {
            (t.metric.code, p.label)
            for t in tables
            if t.plan
            for p in t.periods
            if t.plan.planned_by_year_target(p)
        },
    )


@rule("metric_values_valid", title="Metric values are possible: rates match, no negatives")
def check_metric_values(facts: Facts) -> list[Finding]:
    return metric_values_valid(facts["metrics.rows"])


@rule(
    "metric_plan_vs_baseline",
    title="Planned values are no worse than the baseline",
    severity=WARNING,
)
def check_plan_vs_baseline(facts: Facts) -> list[Finding]:
    tables = facts["metrics.tables"]
    return plan_not_worse_than_baseline(
        {t.metric.code: t.baseline.value for t in tables if t.baseline}, facts["metrics.rows"]
    )
