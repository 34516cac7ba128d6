"""Finance rules of DESIGN.md section 3, as functions over plain data.

Each takes dicts of Decimal keyed by year (or by (year, source)) and returns a list
of Findings; none touches the database, so each is tested with the seed figures.
"""

from decimal import Decimal

from plans.findings import ERROR, Finding, money

ZERO = Decimal(0)


def _label(year):
    return f"{year}/{(year + 1) % 100:02d}"


def _shortfalls(actual, minimum):
    """(year, actual, required) for each year whose actual is below its minimum;
    a year with no actual counts as zero, and equality meets the minimum."""
    for year, required in sorted(minimum.items()):
        amount = actual.get(year, ZERO)
        if amount < required:
            yield year, amount, required


def pooled_budget_minimum(agreed, minimum):
    """Rule 1: total agreed pooled budget >= the minimum, per year."""
    return [
        Finding(
            "pooled_budget_minimum",
            ERROR,
            f"The pooled budget for {_label(year)} is {money(actual)}, "
            f"{money(required - actual)} below the minimum of {money(required)}.",
            f"finance#income-{year}",
        )
        for year, actual, required in _shortfalls(agreed, minimum)
    ]


def spend_covers_allocation(income, spend):
    """Rule 2: total expenditure >= total allocation, per year."""
    findings = []
    for year in sorted(set(income) | set(spend)):
        allocated, spent = income.get(year, ZERO), spend.get(year, ZERO)
        if spent < allocated:
            findings.append(
                Finding(
                    "spend_covers_allocation",
                    ERROR,
                    f"Planned spending in {_label(year)} is {money(spent)}, "
                    f"{money(allocated - spent)} less than the {money(allocated)} in the pool.",
                    f"finance#expenditure-{year}",
                )
            )
    return findings


def income_equals_expenditure(income, spend, names):
    """Rule 3: spending per funding source equals income from it, per year.

    income, spend: {(year, source code): amount}; names: {source code: name}.
    """
    findings = []
    for year, source in sorted(set(income) | set(spend)):
        received = income.get((year, source), ZERO)
        spent = spend.get((year, source), ZERO)
        if received == spent:
            continue
        if spent > received:
            text = f"overspent by {money(spent - received)}"
        else:
            text = f"underspent by {money(received - spent)}"
        findings.append(
            Finding(
                "income_equals_expenditure",
                ERROR,
                f"{names.get(source, source)} in {_label(year)} is {text}: income "
                f"{money(received)}, planned spending {money(spent)}.",
                f"finance#source-{year}-{source}",
            )
        )
    return findings


def minimum_met(code, label, actual, minimum):
    """Rules 4 and 5: a ring-fenced actual >= its minimum, per year (equality meets it)."""
    return [
        Finding(
            code,
            ERROR,
            f"{label} in {_label(year)} is {money(spent)}, {money(required - spent)} "
            f"short of the minimum {money(required)}.",
            f"finance#{code}-{year}",
        )
        for year, spent, required in _shortfalls(actual, minimum)
    ]


def dfg_passed_through(income, allocation):
    """Rule 3 (DFG): the Disabled Facilities Grant goes into the pool in full.

    income: {year: DFG income}; allocation: {year: the area's DFG allocation}. Spending
    it all is checked by income_equals_expenditure, per source."""
    findings = []
    for year, allocated in sorted(allocation.items()):
        received = income.get(year, ZERO)
        if received != allocated:
            findings.append(
                Finding(
                    "dfg_passed_through",
                    ERROR,
                    f"Disabled Facilities Grant income in {_label(year)} is {money(received)}; "
                    f"the grant of {money(allocated)} must be pooled in full.",
                    f"finance#dfg-{year}",
                )
            )
    return findings
