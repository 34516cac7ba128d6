"""The shape every rule of the validation engine returns."""

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    where: str  # a section slug, optionally with a row or cell, e.g. "finance#2017-dfg"


def money(amount):
    return f"£{amount:,.0f}" if amount == amount.to_integral() else f"£{amount:,.2f}"
