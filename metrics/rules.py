"""Metric rules of DESIGN.md section 3 (rule 7), as functions over plain data.

A value row is a dict with the metric's code, name, unit, rate_base and better
direction, the period label, and value, numerator and denominator (any may be None).
"""

from decimal import ROUND_HALF_UP, Decimal

from plans.findings import ERROR, WARNING, Finding

ONE_DP = Decimal("0.1")


def rate(numerator, denominator, base):
    """numerator ÷ denominator × base to one decimal place, half away from zero, as the
    national templates print it (360.6 days ÷ 198,408 × 100,000 = 181.7)."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator) * base).quantize(ONE_DP, ROUND_HALF_UP)


def _where(code, label=None):
    return f"metrics#metric-{code}" + (f"-{label}" if label else "")


def metrics_complete(metrics, planned):
    """Every required metric has a planned value for every period it defines.

    metrics: [(code, name, required, [period labels])]; planned: {(code, label)}."""
    findings = []
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


def metric_values_valid(rows):
    """Percentages within 0-100, no negative counts, and rates that match their
    numerator and denominator."""
    findings = []
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
            expected = rate(row["numerator"], row["denominator"], row["rate_base"])
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


def plan_not_worse_than_baseline(baselines, rows):
    """A warning where a planned value is worse than the baseline, in the metric's own
    direction of better. baselines: {code: value}."""
    findings = []
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
