"""Every subtotal and total of the finance summary, checked against sums of the
expenditure and income lines computed independently by the ORM (one aggregate per
figure), to the penny: a wrong theme subtotal, column total, scheme row, area column
or income figure fails here. The figures are derived in Python from a few SQL sums,
and the shared income rows must give the same figures as each function on its own."""

import re
from decimal import Decimal

import pytest
from django.db.models import Sum

from finance import checks, selectors, tables
from finance.models import IncomeLine
from plans.fields import in_thousands
from plans.models import Plan
from plans.tests.helpers import login, plan
from schemes.models import ExpenditureLine

pytestmark = pytest.mark.django_db

HAVERING = "/plans/2017-19/havering/finance/"
ZERO = Decimal("0.00")


def lines_total(**filters) -> Decimal:
    """The independent figure: one ORM aggregate over the lines."""
    return ExpenditureLine.objects.filter(**filters).aggregate(t=Sum("amount"))["t"] or ZERO


def theme_filter(theme):
    return {"scheme__theme": "" if theme == tables.NO_THEME else theme}


@pytest.fixture
def bhr():
    havering = plan("2017-19", "havering")
    partners = list(havering.narrative.plans.select_related("area").order_by("area__name"))
    assert len(partners) == 3
    return havering, partners


def test_spend_tables_match_the_lines(bhr):
    havering, partners = bhr
    summary = selectors.finance_summary(havering, partners)
    checked = 0
    for table in summary["spend_tables"]:
        year = {"scheme__plan__in": partners, "year__start_year": table.year.start_year}
        assert table.total == lines_total(**year)
        for group, total in zip(table.columns, table.totals, strict=True):
            assert total == lines_total(**year, source__report_group=group), group
        assert sum(table.totals, ZERO) == table.total  # every spent group has a column
        assert sum((b.total for b in table.themes), ZERO) == table.total
        for block in table.themes:
            theme = theme_filter(block.theme)
            assert block.total == lines_total(**year, **theme), block.theme
            for group, amount in zip(table.columns, block.amounts, strict=True):
                assert amount == lines_total(**year, **theme, source__report_group=group)
                checked += 1
            assert sum((r.total for r in block.schemes), ZERO) == block.total
            for row in block.schemes:
                scheme = {**year, **theme, "scheme__name": row.name}
                assert row.total == lines_total(**scheme), row.name
                for group, amount in zip(table.columns, row.amounts, strict=True):
                    assert amount == lines_total(**scheme, source__report_group=group)
    assert checked > 20


def test_area_tables_match_the_lines(bhr):
    havering, partners = bhr
    summary = selectors.finance_summary(havering, partners)
    assert [t.columns for t in summary["area_tables"]] == [[p.area.name for p in partners]] * 2
    for table in summary["area_tables"]:
        year = {"scheme__plan__in": partners, "year__start_year": table.year.start_year}
        for partner, total in zip(partners, table.totals, strict=True):
            assert total == lines_total(**year, scheme__plan=partner)
        assert table.total == lines_total(**year)
        for block in table.themes:
            theme = theme_filter(block.theme)
            for partner, amount in zip(partners, block.amounts, strict=True):
                assert amount == lines_total(**year, **theme, scheme__plan=partner)


def test_by_area_recurrence_and_income_match_the_lines(bhr):
    havering, partners = bhr
    summary = selectors.finance_summary(havering, partners)
    years = summary["years"]
    for area, pairs in summary["by_area"]:
        for year, (income, spend) in zip(years, pairs, strict=True):
            assert spend == lines_total(
                scheme__plan__area=area, scheme__plan__in=partners, year=year
            )
            assert income == (
                IncomeLine.objects.filter(plan__area=area, plan__in=partners, year=year).aggregate(
                    t=Sum("amount")
                )["t"]
                or ZERO
            )
    for year, recurrent, non_recurrent, total in summary["recurrence"]:
        mine = {"scheme__plan": havering, "year": year}
        assert recurrent == lines_total(**mine, recurrence="recurrent")
        assert non_recurrent == lines_total(**mine, recurrence="non_recurrent")
        assert total == lines_total(**mine)
    for source, amounts in summary["income_rows"]:
        for year, amount in zip(years, amounts, strict=True):
            own = IncomeLine.objects.filter(plan=havering, year=year)
            if source.parent_id is None:  # a parent shows its parts and its own lines
                own = own.filter(source__in=[source, *source.parts.all()])
            else:
                own = own.filter(source=source)
            assert amount == (own.aggregate(t=Sum("amount"))["t"] or ZERO), source.code
    for year, total in zip(years, summary["income_totals"], strict=True):
        lines = IncomeLine.objects.filter(plan=havering, year=year)
        assert total == lines.aggregate(t=Sum("amount"))["t"]


def test_a_changed_line_moves_its_theme_subtotal_and_column_total(bhr, client):
    """A penny added to one line shows in its scheme, its theme's subtotal, its
    column's total and the grand total, and nowhere else."""
    havering, partners = bhr
    before = selectors.finance_summary(havering, partners)["spend_tables"][0]
    line = (
        ExpenditureLine.objects.filter(scheme__plan=havering, year=before.year)
        .exclude(scheme__theme="")
        .select_related("scheme", "source")
        .order_by("pk")
        .first()
    )
    line.amount += Decimal("0.01")
    line.save()
    after = selectors.finance_summary(havering, partners)["spend_tables"][0]
    column = after.columns.index(line.source.report_group)
    assert after.total - before.total == Decimal("0.01")
    assert after.totals[column] - before.totals[column] == Decimal("0.01")
    for old, new in zip(before.themes, after.themes, strict=True):
        moved = Decimal("0.01") if new.theme == line.scheme.theme else ZERO
        assert new.total - old.total == moved
        assert new.amounts[column] - old.amounts[column] == moved
    # The page prints the same theme subtotal and column total, in £'000.
    theme = next(b for b in after.themes if b.theme == line.scheme.theme)
    login(client, "bhr.finance")
    page = client.get(HAVERING).content.decode()
    start = page.index(f'id="themes-table-{after.year.start_year}"')
    html = page[start : page.index("</table>", start)]
    rows = {
        re.sub(r"<[^>]+>", "", cells[0]).strip().replace("&amp;", "&"): [
            re.sub(r"<[^>]+>", "", c).strip() for c in cells[1:]
        ]
        for cells in (
            re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html.split("</thead>")[1], re.S)
        )
    }
    assert rows[theme.theme][column] == f"{in_thousands(theme.amounts[column]):,}"
    assert rows["Total"][column] == f"{in_thousands(after.totals[column]):,}"
    assert rows["Total"][-1] == f"{in_thousands(after.total):,}"


def test_spend_by_area_is_the_selectors(bhr):
    _havering, partners = bhr
    assert tables.spend_by_area(tables.spend_rows(partners)) == selectors.expenditure_by_area(
        partners
    )


@pytest.mark.parametrize(
    ("round_slug", "area_slug"), [("2017-19", "havering"), ("2014-16", "barnet")]
)
def test_shared_income_rows_give_the_same_figures(round_slug, area_slug):
    one = plan(round_slug, area_slug)
    others = list(Plan.objects.all())
    income = checks.income_rows([p.pk for p in others])  # other plans' rows left out
    assert checks.money_figures(one, income) == checks.money_figures(one)
    years = list(one.round.years.all())
    assert selectors.income_table(one, years, income=income) == selectors.income_table(one, years)
    expected: dict[tuple[int, str], Decimal] = {}
    for line in IncomeLine.objects.filter(plan=one).select_related("source__parent", "year"):
        key = (line.year.start_year, (line.source.parent or line.source).code)
        expected[key] = expected.get(key, ZERO) + line.amount
    assert checks.money_figures(one).income_in == expected
