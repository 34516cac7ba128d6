"""The sums a return is judged by, as plain functions over plain figures: variance
against plan, the RAG the round's tolerances give it, and the payment for performance
(README "Returns"). Nothing here reads the database."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
PENNY = Decimal("0.01")
ONE_DP = Decimal("0.1")
GREEN, AMBER, RED = "green", "amber", "red"


@dataclass(frozen=True)
class Tolerance:
    """How far from plan a figure may be: at most `green_within` % off is green, at most
    `amber_within` % amber, further red."""

    green_within: Decimal
    amber_within: Decimal


def variance(planned: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """Actual minus plan (positive: above plan)."""
    if planned is None or actual is None:
        return None
    return actual - planned


def variance_percent(planned: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """The variance as a % of plan, to one decimal place; None against a zero plan."""
    difference = variance(planned, actual)
    if difference is None or not planned:
        return None
    return (difference / planned * HUNDRED).quantize(ONE_DP, ROUND_HALF_UP)


def metric_rag(
    planned: Decimal | None, actual: Decimal | None, better: str, tolerance: Tolerance
) -> str | None:
    """Green, amber or red for a metric's actual against its plan: how much worse than
    plan it is, in the metric's direction ("lower" or "higher" is better), against the
    round's tolerance. Better than plan is always green."""
    if planned is None or actual is None:
        return None
    worse = actual - planned if better == "lower" else planned - actual
    if worse <= 0:
        return GREEN
    if not planned:
        return RED
    worse_percent = worse / abs(planned) * HUNDRED
    if worse_percent <= tolerance.green_within:
        return GREEN
    if worse_percent <= tolerance.amber_within:
        return AMBER
    return RED


def spend_rag(budget: Decimal | None, forecast: Decimal | None, tolerance: Tolerance) -> str | None:
    """Green, amber or red for a forecast outturn against budget: over- and underspends
    both count, by their size as a % of budget."""
    if budget is None or forecast is None:
        return None
    if not budget:
        return GREEN if not forecast else RED
    off = abs(forecast - budget) / budget * HUNDRED
    if off <= tolerance.green_within:
        return GREEN
    if off <= tolerance.amber_within:
        return AMBER
    return RED


def improvement_achieved(
    baseline: Decimal | None, planned: Decimal | None, actual: Decimal | None, better: str
) -> Decimal | None:
    """The part (0 to 1) of the planned improvement, from baseline to plan, that the
    actual achieved. A plan that improves on nothing is achieved (1) when the actual is
    at least as good as the plan, else not (0)."""
    if baseline is None or planned is None or actual is None:
        return None
    sign = 1 if better == "lower" else -1
    planned_gain = (baseline - planned) * sign
    gained = (baseline - actual) * sign
    if planned_gain <= 0:
        return Decimal(1) if (planned - actual) * sign >= 0 else Decimal(0)
    return min(max(gained / planned_gain, Decimal(0)), Decimal(1))


@dataclass(frozen=True)
class Payment:
    """A metric's part of the performance fund: what is at stake, what its result
    releases, what is held back, and how much of that pays for the contingency."""

    at_stake: Decimal
    achieved: Decimal | None  # part of the planned improvement achieved (0-1)
    released: Decimal
    held_back: Decimal
    contingency: Decimal

    @property
    def met(self) -> bool:
        return self.achieved is not None and self.achieved >= 1

    @property
    def pending(self) -> bool:
        return self.achieved is None


def performance_payment(
    *,
    at_stake: Decimal,
    achieved: Decimal | None,
    method: str,
    threshold_percent: Decimal,
    maximum_support: Decimal | None,
) -> Payment:
    """The round's rule for one metric. `pro_rata`: the share of `at_stake` released is
    the part of the planned improvement achieved, and nothing below the threshold;
    `threshold`: all of it once the threshold is reached, else nothing. Without a result
    nothing is released yet. What is held back pays for the plan's contingency (the
    support other services need if the metric is missed), up to its maximum."""
    if achieved is None:  # no actual yet: nothing is decided
        return Payment(at_stake, None, Decimal(0), Decimal(0), Decimal(0))
    threshold = threshold_percent / HUNDRED
    if achieved < threshold:
        share = Decimal(0)
    elif method == "threshold":
        share = Decimal(1)
    else:
        share = achieved
    released = (at_stake * share).quantize(PENNY, ROUND_HALF_UP)
    held_back = at_stake - released
    contingency = min(held_back, maximum_support) if maximum_support is not None else Decimal(0)
    return Payment(at_stake, achieved, released, held_back, contingency)


def metric_at_stake(fund: Decimal, fund_share_percent: Decimal, weight_percent: Decimal) -> Decimal:
    """A metric's part of the area's performance fund: `fund_share` % of the fund's base
    (the minimum pooled budget), `weight` % of that for the metric, to the penny."""
    return (fund * fund_share_percent / HUNDRED * weight_percent / HUNDRED).quantize(
        PENNY, ROUND_HALF_UP
    )
