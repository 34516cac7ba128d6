"""Finance rules of DESIGN.md section 3, as functions over plain data.

Each takes dicts of Decimal keyed by year (or by (year, source)) and returns a list
of Findings; none touches the database, so each is tested with the seed figures.
The end of the module registers them with the engine, with the facts they read.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal

from plans.findings import ERROR, WARNING, Facts, Finding, fact, money, rule

from . import checks, places, selectors
from .models import MinimumAllocation

ZERO = Decimal(0)

type ByYear = Mapping[int, Decimal]  # {year start: amount}
type ByYearAndSource = Mapping[tuple[int, str], Decimal]  # {(year start, source code): amount}


def _label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def meets(actual: Decimal, required: Decimal) -> bool:
    """A minimum is met at equality: B&D 2017/18 social care £4,970,629 of £4,970,629."""
    return actual >= required


def _shortfalls(actual: ByYear, minimum: ByYear) -> Iterator[tuple[int, Decimal, Decimal]]:
    """(year, actual, required) for each year whose actual is below its minimum;
    a year with no actual counts as zero."""
    for year, required in sorted(minimum.items()):
        amount = actual.get(year, ZERO)
        if not meets(amount, required):
            yield year, amount, required


def pooled_budget_minimum(agreed: ByYear, minimum: ByYear) -> list[Finding]:
    """Rule 1: total agreed pooled budget >= the minimum, per year."""
    return [
        Finding(
            "pooled_budget_minimum",
            ERROR,
            f"The pooled budget for {_label(year)} is {money(actual)}, "
            f"{money(required - actual)} below the minimum of {money(required)}.",
            places.income(year),
        )
        for year, actual, required in _shortfalls(agreed, minimum)
    ]


def ccg_minimum_contribution(paid: ByYear, minimum: ByYear) -> list[Finding]:
    """The CCGs pay at least the nationally set CCG minimum into the pool, per year
    (BHR 8.5: Havering 2017/18 RNF £4,772,500 + non-RNF £11,871,821 = £16,644,321)."""
    return [
        Finding(
            "ccg_minimum_contribution",
            ERROR,
            f"The CCG minimum contribution for {_label(year)} is {money(actual)}, "
            f"{money(required - actual)} below the nationally set minimum of {money(required)}.",
            places.income(year),
        )
        for year, actual, required in _shortfalls(paid, minimum)
    ]


def spend_covers_allocation(income: ByYear, spend: ByYear) -> list[Finding]:
    """Rule 2: total expenditure >= total allocation, per year."""
    findings: list[Finding] = []
    for year in sorted(set(income) | set(spend)):
        allocated, spent = income.get(year, ZERO), spend.get(year, ZERO)
        if spent < allocated:
            findings.append(
                Finding(
                    "spend_covers_allocation",
                    ERROR,
                    f"Planned spending in {_label(year)} is {money(spent)}, "
                    f"{money(allocated - spent)} less than the {money(allocated)} in the pool.",
                    places.expenditure(year),
                )
            )
    return findings


def income_equals_expenditure(
    income: ByYearAndSource, spend: ByYearAndSource, names: Mapping[str, str]
) -> list[Finding]:
    """Rule 3: spending per funding source equals income from it, per year.

    income, spend: {(year, source code): amount}; names: {source code: name}.
    """
    findings: list[Finding] = []
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
                places.source(year, source),
            )
        )
    return findings


def minimum_met(code: str, label: str, actual: ByYear, minimum: ByYear) -> list[Finding]:
    """Rules 4 and 5: a ring-fenced actual >= its minimum, per year (equality meets it)."""
    return [
        Finding(
            code,
            ERROR,
            f"{label} in {_label(year)} is {money(spent)}, {money(required - spent)} "
            f"short of the minimum {money(required)}.",
            places.minimum(code, year),
        )
        for year, spent, required in _shortfalls(actual, minimum)
    ]


def dfg_passed_through(income: ByYear, allocation: ByYear) -> list[Finding]:
    """Rule 3 (DFG): the Disabled Facilities Grant goes into the pool in full.

    income: {year: DFG income}; allocation: {year: the area's DFG allocation}. Spending
    it all is checked by income_equals_expenditure, per source."""
    findings: list[Finding] = []
    for year, allocated in sorted(allocation.items()):
        received = income.get(year, ZERO)
        if received != allocated:
            findings.append(
                Finding(
                    "dfg_passed_through",
                    ERROR,
                    f"Disabled Facilities Grant income in {_label(year)} is {money(received)}; "
                    f"the grant of {money(allocated)} must be pooled in full.",
                    places.dfg(year),
                )
            )
    return findings


def minimum_published(
    code: str, what: str, area: str, years: Iterable[int], minimum: ByYear, where: Callable
) -> list[Finding]:
    """A year of the round with no nationally set minimum is said, never passed over in
    silence: its rule cannot judge the year until the national team publishes it."""
    return [
        Finding(
            code,
            WARNING,
            f"The nationally set minimum for {what} {_label(year)} has not been published "
            f"for {area}; ask the national team.",
            where(year),
        )
        for year in sorted(years)
        if year not in minimum
    ]


def _published(facts: Facts, code: str, kind: str, what: str, where: Callable) -> list[Finding]:
    years = facts["finance.years"]
    minimum = facts["finance.minimums"][kind]
    return minimum_published(code, what, facts.plan.area.name, years, minimum, where)


# Registration: the facts these rules read about one plan, each fetched once per check.

Kind = MinimumAllocation.Kind


def _own(by_area: selectors.ByAreaAndYear, facts: Facts) -> dict[int, Decimal]:
    return by_area.get(facts.plan.area.slug, {})


@fact("finance.minimums")
def _minimums(facts: Facts) -> selectors.Minimums:
    return checks.minimums_by_kind([facts.plan.area_id])[facts.plan.area_id]


@fact("finance.years")
def _years(facts: Facts) -> list[int]:
    return [year.start_year for year in facts.plan.round.years.all()]


def _per_year(by_source: Mapping[tuple[int, str], Decimal]) -> dict[int, Decimal]:
    """{year: total} from the sums per year and source already read (one per source)."""
    out: dict[int, Decimal] = {}
    for (year, _code), amount in by_source.items():
        out[year] = out.get(year, ZERO) + amount
    return out


@fact("finance.income_by_year")
def _income_by_year(facts: Facts) -> dict[int, Decimal]:
    return _per_year(facts["finance.income_by_source"])


@fact("finance.ccg_minimum_income")
def _ccg_minimum_income(facts: Facts) -> dict[int, Decimal]:
    """{year: income from the sources the round marks as the CCG minimum}, added up from
    the income by source already read (parts counted as their parent)."""
    ccg = {code for code, _name, _dfg, is_ccg in facts["finance.sources"] if is_ccg}
    out: dict[int, Decimal] = {}
    for (year, code), amount in facts["finance.income_by_source"].items():
        if code in ccg:
            out[year] = out.get(year, ZERO) + amount
    return out


@fact("finance.spend_by_year")
def _spend_by_year(facts: Facts) -> dict[int, Decimal]:
    return _per_year(facts["finance.spend_by_source"])


@fact("finance.income_by_source")
def _income_by_source(facts: Facts) -> dict[tuple[int, str], Decimal]:
    return {(y, s): v for (_a, y, s), v in selectors.income_by_source([facts.plan]).items()}


@fact("finance.spend_by_source")
def _spend_by_source(facts: Facts) -> dict[tuple[int, str], Decimal]:
    return {(y, s): v for (_a, y, s), v in selectors.spend_by_source([facts.plan]).items()}


@fact("finance.ring_fenced")
def _ring_fenced(facts: Facts) -> dict[int, dict[str, Decimal]]:
    return {y: v for (_a, y), v in selectors.ring_fenced_actuals([facts.plan]).items()}


@fact("finance.sources")
def _sources(facts: Facts) -> list[tuple[str, str, bool, bool]]:
    return list(
        facts.plan.round.funding_sources.values_list("code", "name", "is_dfg", "is_ccg_minimum")
    )


@rule("pooled_budget_minimum", title="The pooled budget is at least the minimum, each year")
def check_pooled_budget(facts: Facts) -> list[Finding]:
    return pooled_budget_minimum(
        facts["finance.income_by_year"], facts["finance.minimums"][Kind.POOLED_BUDGET]
    ) + _published(
        facts, "pooled_budget_minimum", Kind.POOLED_BUDGET, "the pooled budget", places.income
    )


@rule(
    "ccg_minimum_contribution",
    title="The CCGs pay at least the nationally set CCG minimum into the pool, each year",
)
def check_ccg_minimum(facts: Facts) -> list[Finding]:
    return ccg_minimum_contribution(
        facts["finance.ccg_minimum_income"], facts["finance.minimums"][Kind.CCG_MINIMUM]
    ) + _published(
        facts,
        "ccg_minimum_contribution",
        Kind.CCG_MINIMUM,
        "the CCG minimum contribution",
        places.income,
    )


@rule("spend_covers_allocation", title="Planned spending covers the money in the pool")
def check_spend_covers_allocation(facts: Facts) -> list[Finding]:
    return spend_covers_allocation(facts["finance.income_by_year"], facts["finance.spend_by_year"])


@rule("income_equals_expenditure", title="Each funding source is spent exactly, each year")
def check_income_equals_expenditure(facts: Facts) -> list[Finding]:
    names = {code: name for code, name, _dfg, _ccg in facts["finance.sources"]}
    return income_equals_expenditure(
        facts["finance.income_by_source"], facts["finance.spend_by_source"], names
    )


@rule("protection_of_social_care", title="Social care is protected at least to its minimum")
def check_protection_of_social_care(facts: Facts) -> list[Finding]:
    return minimum_met(
        "protection_of_social_care",
        "Protection of social care",
        {y: v["social_care"] for y, v in facts["finance.ring_fenced"].items()},
        facts["finance.minimums"][Kind.SOCIAL_CARE],
    ) + _published(
        facts,
        "protection_of_social_care",
        Kind.SOCIAL_CARE,
        "protection of social care",
        lambda year: places.minimum("protection_of_social_care", year),
    )


@rule(
    "out_of_hospital_ring_fence",
    title="NHS-commissioned out-of-hospital spending reaches its ring-fence",
)
def check_out_of_hospital(facts: Facts) -> list[Finding]:
    return minimum_met(
        "out_of_hospital_ring_fence",
        "NHS-commissioned out-of-hospital spend",
        {y: v["out_of_hospital"] for y, v in facts["finance.ring_fenced"].items()},
        facts["finance.minimums"][Kind.OUT_OF_HOSPITAL],
    ) + _published(
        facts,
        "out_of_hospital_ring_fence",
        Kind.OUT_OF_HOSPITAL,
        "the NHS out-of-hospital ring-fence",
        lambda year: places.minimum("out_of_hospital_ring_fence", year),
    )


@rule("dfg_passed_through", title="The Disabled Facilities Grant is pooled in full")
def check_dfg(facts: Facts) -> list[Finding]:
    dfg = {code for code, _name, is_dfg, _ccg in facts["finance.sources"] if is_dfg}
    return dfg_passed_through(
        {y: v for (y, code), v in facts["finance.income_by_source"].items() if code in dfg},
        facts["finance.minimums"][Kind.DFG],
    ) + _published(
        facts, "dfg_passed_through", Kind.DFG, "the Disabled Facilities Grant", places.dfg
    )
