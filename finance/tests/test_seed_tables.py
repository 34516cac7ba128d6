"""Seed BHR 8.3 (theme subtotals by source), 8.4 (theme × borough) and 8.1 (income with
its "of which" parts) on the finance pages, the schemes register's totals and
recurrence columns, and the per-source wording that never reads as balanced."""

import re
from decimal import Decimal

import pytest

from plans.tests.helpers import login
from schemes.models import ExpenditureLine

pytestmark = pytest.mark.django_db

HAVERING = "/plans/2017-19/havering/finance/"
NIL = "\u2013"  # what a £'000 cell with nothing in it shows


def table(page, table_id):
    start = page.index(f'id="{table_id}"')
    return page[start : page.index("</table>", start)]


def rows_of(html):
    """{row header: [cells]} of a table's body."""
    body = html.split("</thead>")[1]
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        texts = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        out[texts[0].replace("&amp;", "&")] = texts[1:]
    return out


def headers_of(html):
    head = html.split("</thead>")[0].split("<tr")[-1]
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ]


def by_column(html, name):
    headers = headers_of(html)
    return dict(zip(headers[1:], rows_of(html)[name], strict=True))


# Seed 8.3, 2017/18 and 2018/19 (£'000): theme subtotal by source and in all.
SEED_8_3 = {
    2017: {
        "High Impact Change Model": ("31,385", "1,920", "802", "34,107"),
        "Market Development & Sustainability": (NIL, "5,732", NIL, "5,732"),
        "Prevention & Managing Demand": ("7,309", "1,039", "5,517", "13,865"),
        "Protecting Social Care & Maintaining Independence": ("8,292", "5,740", "672", "14,705"),
    },
    2018: {
        "High Impact Change Model": ("31,942", "2,011", "802", "34,755"),
        "Prevention & Managing Demand": ("6,420", "1,135", "5,932", "13,487"),
        "Protecting Social Care & Maintaining Independence": ("9,517", "9,320", "672", "19,509"),
    },
}
COLUMNS = (
    "CCG Minimum Contribution",
    "Improved Better Care Fund",
    "Local Authority Contribution",
    "Total",
)


@pytest.mark.parametrize("year", sorted(SEED_8_3))
def test_seed_8_3_theme_subtotals_on_the_page(client, year):
    login(client, "bhr.finance")
    html = table(client.get(HAVERING).content.decode(), f"themes-table-{year}")
    for theme, printed in SEED_8_3[year].items():
        found = by_column(html, theme)
        assert tuple(found[c] for c in COLUMNS) == printed, theme
    assert by_column(html, "Prevention & Managing Demand: DFG")["Local Authority Contribution"] == (
        "4,765" if year == 2017 else "5,181"
    )


# Seed 8.4 (£'000): theme × borough, and the grand totals the lines give.
SEED_8_4 = {
    2017: {
        "High Impact Change Model": ("10,583", "13,043", "10,481", "34,107"),
        "Market Development & Sustainability": ("1,592", "1,731", "2,409", "5,732"),
        "Prevention & Managing Demand": ("3,174", "4,462", "6,229", "13,865"),
        "Protecting Social Care & Maintaining Independence": ("6,409", "3,424", "4,871", "14,705"),
        "High Impact Change Model: Intermediate care": ("7,888", "6,124", "5,706", "19,718"),
        "Total": ("21,759", "22,660", "23,990", "68,408"),
    },
    2018: {
        "High Impact Change Model": ("11,191", "12,983", "10,582", "34,755"),
        "Protecting Social Care & Maintaining Independence": ("7,521", "5,907", "6,082", "19,509"),
        "Total": ("24,237", "24,165", "26,292", "74,693"),
    },
}
BOROUGHS = ("Barking and Dagenham", "Havering", "Redbridge", "Total")


@pytest.mark.parametrize("year", sorted(SEED_8_4))
def test_seed_8_4_theme_by_borough_matrix_on_the_page(client, year):
    login(client, "bhr.finance")
    page = client.get(HAVERING).content.decode()
    html = table(page, f"theme-area-table-{year}")
    for theme, printed in SEED_8_4[year].items():
        found = by_column(html, theme)
        assert tuple(found[c] for c in BOROUGHS) == printed, theme
    # The seed's 8.1 prints Havering 2017/18 as 22,661 and the grand total as 68,409;
    # the lines give 22,660 and 68,408, and the page says why totals may differ by 1.
    assert 'id="rounding-note"' in page


def test_single_area_plan_has_no_borough_matrix(client):
    login(client, "barnet.commissioner")
    page = client.get("/plans/2014-16/barnet/finance/").content.decode()
    assert 'id="theme-area-table-' not in page
    assert 'id="themes-table-2015"' in page


def test_parent_sources_sum_their_parts_and_income_has_a_total(client):
    login(client, "bhr.finance")
    rows = rows_of(table(client.get(HAVERING).content.decode(), "income-table"))
    # Seed 8.1: Havering CCG revenue RNF 4,773 + non-RNF 11,872 (£'000), to the pound.
    assert rows["CCG minimum contribution"] == ["£16,644,321", "£16,960,562"]
    assert rows["of which: CCG minimum contribution: RNF-based revenue"][0] == "£4,772,500"
    assert rows["Improved Better Care Fund"] == ["£3,760,501", "£4,822,000"]
    assert rows["Total pooled budget"] == ["£22,660,499", "£24,164,500"]


def test_an_overspent_source_says_so_and_never_reads_balanced(client):
    line = ExpenditureLine.objects.filter(
        scheme__plan__area__slug="havering", year__start_year=2017, source__code="dfg"
    ).first()
    line.amount += Decimal("5590497")
    line.save()
    login(client, "bhr.finance")
    html = table(client.get(HAVERING).content.decode(), "source-balance")
    assert "Balanced" not in html and "difference" not in html
    assert "overspent by £5,590,497" in html
    assert "Income spent exactly?" in html


def test_recurrence_on_the_summary_and_register_with_totals(client):
    ExpenditureLine.objects.filter(
        scheme__plan__area__slug="havering", scheme__code="H1", year__start_year=2017
    ).update(recurrence=ExpenditureLine.Recurrence.NON_RECURRENT)
    login(client, "bhr.finance")
    summary = rows_of(table(client.get(HAVERING).content.decode(), "recurrence-table"))
    _recurrent, non_recurrent, total = summary["2017/18"]
    assert total == "22,660" and non_recurrent != "0"
    page = client.get("/plans/2017-19/havering/schemes/").content.decode()
    register = rows_of(table(page, "schemes"))
    totals = register["Total of 13 schemes"]
    assert totals[2] == "£22,660,499" and totals[5] == "£24,164,500"
    assert totals[-1] == "£46,824,999"
    h1 = register["H1"]
    assert h1[3 + 0] == "£0" and h1[3 + 1] != "£0"  # 2017/18 recurrent, non-recurrent
