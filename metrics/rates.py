"""Rates as the national templates print them, computed, never typed."""

from decimal import ROUND_HALF_UP, Decimal

ONE_DP = Decimal("0.1")


def rate(
    numerator: Decimal | int | None, denominator: Decimal | int | None, base: int | Decimal
) -> Decimal | None:
    """numerator ÷ denominator × base to one decimal place, half away from zero, as the
    national templates print it (360.6 days ÷ 198,408 × 100,000 = 181.7)."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator) * base).quantize(ONE_DP, ROUND_HALF_UP)
