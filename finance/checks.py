"""The figures each money rule judges, read in a fixed number of queries (years,
sources, income by source, spending by source with its ring-fenced parts, minimums),
for the finance summary's checks and the check page's verdicts.

Whether a figure is met is never decided here: it is the verdict of its rule, read
from the plan's findings (Check.judge).
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, Self

from django.db.models import Case, DecimalField, F, Q, Sum, Value, When

from plans.findings import Finding
from plans.models import FinancialYear, FundingSource, Plan, RoundRule
from schemes.models import ExpenditureLine

from . import places
from .models import IncomeLine, MinimumAllocation

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
Kind = MinimumAllocation.Kind

type Minimums = defaultdict[str, dict[int, Decimal]]  # {kind: {year start: amount}}

# The minimums checked each year: (label, allocation kind, rule).
MINIMUM_CHECKS = (
    ("Pooled budget", Kind.POOLED_BUDGET, "pooled_budget_minimum"),
    ("CCG minimum contribution", Kind.CCG_MINIMUM, "ccg_minimum_contribution"),
    ("Protection of social care", Kind.SOCIAL_CARE, "protection_of_social_care"),
    ("NHS out-of-hospital ring-fence", Kind.OUT_OF_HOSPITAL, "out_of_hospital_ring_fence"),
)


@dataclass
class Check:
    """One minimum or balance check: a required figure beside the actual one. Whether
    it is met is not decided here: it is the verdict of the rule `code`, read from the
    plan's findings (`met` stays None where the round does not run that rule)."""

    label: str
    year: str
    required: Decimal | None
    actual: Decimal
    code: str = ""
    where: str = ""
    met: bool | None = None

    @property
    def difference(self) -> Decimal | None:
        return None if self.required is None else self.actual - self.required

    def judge(self, findings: Iterable[Finding], round_codes: Collection[str]) -> Self:
        if self.required is not None and self.code in round_codes:
            self.met = not any(f.code == self.code and f.where == self.where for f in findings)
        return self


def minimums_by_kind(area_ids: Iterable[int]) -> defaultdict[int, Minimums]:
    """{area id: {kind: {year start: amount}}} for the areas, in one query."""
    out: defaultdict[int, Minimums] = defaultdict(lambda: defaultdict(dict))
    rows = (
        MinimumAllocation.objects.filter(area__in=area_ids)
        .values_list("area_id", "kind", "year__start_year", "amount")
        .order_by()  # no ordering: no joins for it
    )
    for area, kind, year, amount in rows:
        out[area][kind][year] = amount
    return out


class Income(NamedTuple):
    """The income lines' total for one plan, year and funding source."""

    plan: int
    year: int  # pk
    start_year: int
    source: int  # pk
    parent: int | None  # pk
    code: str
    parent_code: str | None
    total: Decimal

    @property
    def spend_code(self) -> str:
        """The code the spending is recorded under: a part counts as its parent."""
        return self.code if self.parent is None else self.parent_code


def income_rows(plans: Iterable[Plan | int]) -> list[Income]:
    """The plans' income summed by plan, year and funding source, in one query: a few
    rows per plan, from which every income figure is added up exactly (Decimal)."""
    rows = (
        IncomeLine.objects.filter(plan__in=plans)
        .values_list(
            "plan",
            "year",
            "year__start_year",
            "source",
            "source__parent",
            "source__code",
            "source__parent__code",
        )
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return [Income(*row) for row in rows]


@dataclass
class MoneyFigures:
    """One plan's money, summed by the database: {(year start, source code): total}
    for income (parts counted as their parent) and spending, and the CCG minimum's
    ring-fenced spending by year."""

    years: list[FinancialYear]
    sources: list[FundingSource]
    income_in: dict[tuple[int, str], Decimal]
    spend_out: dict[tuple[int, str], Decimal]
    social_care: dict[int, Decimal]
    out_of_hospital: dict[int, Decimal]
    minimums: Minimums

    def _by_year(self, sums: dict[tuple[int, str], Decimal], codes: Collection[str] | None):
        out: defaultdict[int, Decimal] = defaultdict(lambda: ZERO)
        for (year, code), total in sums.items():  # one sum per source and year
            if codes is None or code in codes:
                out[year] += total
        return dict(out)

    @property
    def income_by_year(self) -> dict[int, Decimal]:
        return self._by_year(self.income_in, None)

    @property
    def spend_by_year(self) -> dict[int, Decimal]:
        return self._by_year(self.spend_out, None)

    @property
    def ccg_minimum_by_year(self) -> dict[int, Decimal]:
        return self._by_year(self.income_in, {s.code for s in self.sources if s.is_ccg_minimum})

    @property
    def dfg_by_year(self) -> dict[int, Decimal]:
        return self._by_year(self.income_in, {s.code for s in self.sources if s.is_dfg})


def money_figures(plan: Plan, income: Iterable[Income] | None = None) -> MoneyFigures:
    """The plan's MoneyFigures in five queries, or four given the plan's income_rows
    (rows of other plans among them are left out)."""
    years = list(plan.round.years.all())
    sources = list(plan.round.funding_sources.select_related("parent").order_by("order"))
    if income is None:
        income = income_rows([plan.pk])
    # Income by year and spending code: a part counts as its parent.
    income_in: dict[tuple[int, str], Decimal] = {}
    for row in income:
        if row.plan == plan.pk:
            key = (row.start_year, row.spend_code)
            income_in[key] = income_in[key] + row.total if key in income_in else row.total
    nhs_part = Case(
        When(commissioner__is_joint=True, then=F("amount") * F("nhs_share") / Value(Decimal(100))),
        When(commissioner__is_nhs=True, then=F("amount")),
        default=Value(ZERO),
        output_field=MONEY,
    )
    ccg = Q(source__is_ccg_minimum=True)
    spend = (
        ExpenditureLine.objects.filter(scheme__plan=plan)
        .values("year__start_year", "source__code")
        .annotate(
            total=Sum("amount"),
            social_care=Sum("amount", filter=ccg & Q(area_of_spend__counts_as_social_care=True)),
            out_of_hospital=Sum(
                nhs_part, filter=ccg & Q(area_of_spend__counts_as_out_of_hospital=True)
            ),
        )
        .order_by()  # no ordering: no joins for it
    )
    spend_out: dict[tuple[int, str], Decimal] = {}
    social: defaultdict[int, Decimal] = defaultdict(lambda: ZERO)
    hospital: defaultdict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in spend:  # one row per source and year
        year = row["year__start_year"]
        spend_out[(year, row["source__code"])] = row["total"]
        social[year] += row["social_care"] or ZERO
        hospital[year] += row["out_of_hospital"] or ZERO
    return MoneyFigures(
        years,
        sources,
        income_in,
        spend_out,
        dict(social),
        {y: v.quantize(Decimal("0.01")) for y, v in hospital.items()},
        minimums_by_kind([plan.area_id])[plan.area_id],
    )


def rule_checks(
    money: MoneyFigures, findings: Iterable[Finding], round_rules: Iterable[RoundRule]
) -> tuple[list[Check], list[Check]]:
    """(balance per source and year, minimum checks per year) with their verdicts."""
    findings = list(findings)
    round_codes = {r.code for r in round_rules}
    names = {s.code: s.name for s in money.sources}
    order = [s.code for s in money.sources]
    balance = [
        Check(
            names.get(code, code),
            year.label,
            money.income_in.get((year.start_year, code), ZERO),
            money.spend_out.get((year.start_year, code), ZERO),
            "income_equals_expenditure",
            places.source(year.start_year, code),
        ).judge(findings, round_codes)
        for code in sorted(
            {c for (_y, c) in money.income_in} | {c for (_y, c) in money.spend_out},
            key=lambda c: order.index(c) if c in names else 99,
        )
        for year in money.years
    ]
    actuals = {
        Kind.POOLED_BUDGET: money.income_by_year,
        Kind.CCG_MINIMUM: money.ccg_minimum_by_year,
        Kind.SOCIAL_CARE: money.social_care,
        Kind.OUT_OF_HOSPITAL: money.out_of_hospital,
    }
    checks = [
        Check(
            label,
            year.label,
            money.minimums[kind].get(year.start_year),
            actuals[kind].get(year.start_year, ZERO),
            rule_code,
            places.income(year.start_year)
            if kind in (Kind.POOLED_BUDGET, Kind.CCG_MINIMUM)
            else places.minimum(rule_code, year.start_year),
        ).judge(findings, round_codes)
        for year in money.years
        for label, kind, rule_code in MINIMUM_CHECKS
        if rule_code in round_codes
    ]
    return balance, checks


def rule_figures(
    plan: Plan, findings: Iterable[Finding], round_rules: Sequence[RoundRule]
) -> dict[str, list[Check]]:
    """{rule code: the figures it judged}, for the check page: every money rule of the
    round with each year's required and actual amounts. Five queries."""
    findings = list(findings)
    money = money_figures(plan)
    balance, checks = rule_checks(money, findings, round_rules)
    out: defaultdict[str, list[Check]] = defaultdict(list)
    for check in balance + checks:
        out[check.code].append(check)
    income, spend, dfg = money.income_by_year, money.spend_by_year, money.dfg_by_year
    codes = {"spend_covers_allocation", "dfg_passed_through"}
    for year in money.years:
        start = year.start_year
        # Spending must cover the pool: the pool is the figure required.
        out["spend_covers_allocation"].append(
            Check(
                "Planned spending",
                year.label,
                income.get(start, ZERO),
                spend.get(start, ZERO),
                "spend_covers_allocation",
                places.expenditure(start),
            ).judge(findings, codes)
        )
        out["dfg_passed_through"].append(
            Check(
                "Disabled Facilities Grant",
                year.label,
                money.minimums[Kind.DFG].get(start),
                dfg.get(start, ZERO),
                "dfg_passed_through",
                places.dfg(start),
            ).judge(findings, codes)
        )
    return dict(out)
