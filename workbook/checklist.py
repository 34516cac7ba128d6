"""The Summary's ring-fences and the Checklist sheet: live Excel formulas over the
Income, Expenditure and Metrics sheets' own cells, so each requirement turns green or
red as the user types, as the national template's checklist does. Both sheets are
locked and never read back (the upload is checked by the round's rules instead).

The formulas count what the rules count (finance/selectors.py): ring-fenced spending
is spending from a CCG minimum source on an area of spend that counts for the
ring-fence; out-of-hospital spending is NHS-commissioned, a joint line by its % NHS.
Which requirements appear is data: the round's rules."""

from dataclasses import dataclass, field

from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from finance.models import MinimumAllocation

from . import layout as L
from . import money
from .cells import BOLD, HEADER_FILL, POUNDS, THOUSANDS, protect, text
from .metric_sheet import columns

CHECKLIST = "Checklist"
GREEN = PatternFill("solid", fgColor="CCE2D8", bgColor="CCE2D8")
RED = PatternFill("solid", fgColor="F6D7D2", bgColor="F6D7D2")
AMBER = PatternFill("solid", fgColor="FFF7BF", bgColor="FFF7BF")
Kind = MinimumAllocation.Kind
# (rule, minimum kind, what is planned, how it is counted)
RING_FENCES = (
    ("pooled_budget_minimum", Kind.POOLED_BUDGET, "Pooled budget (all income)", "income"),
    ("ccg_minimum_contribution", Kind.CCG_MINIMUM, "CCG minimum contribution paid in", "ccg"),
    ("protection_of_social_care", Kind.SOCIAL_CARE, "Protection of social care", "social"),
    ("out_of_hospital_ring_fence", Kind.OUT_OF_HOSPITAL, "NHS out-of-hospital spend", "ooh"),
)


@dataclass
class Summary:
    """Where the Summary sheet's figures are: source rows, the total row, and the
    ring-fence rows written below it ({rule: row})."""

    sheet: object
    first: int
    total: int
    ring_fences: dict = field(default_factory=dict)

    @staticmethod
    def column(index: int, what: str) -> str:
        """Letter of year `index`'s income, expenditure or difference column (the
        ring-fence rows use the same three as minimum, planned and met)."""
        return get_column_letter(2 + index * 3 + ("income", "spend", "difference").index(what))


def lists(round_) -> dict[str, list[str]]:
    """The named lists the formulas match against (hidden on the Lists sheet)."""
    areas = list(round_.areaofspend_set.all())
    commissioners = list(round_.commissionertype_set.all())
    return {
        "lst_ccg_sources": [
            s.name for s in round_.funding_sources.filter(parent__isnull=True, is_ccg_minimum=True)
        ],
        "lst_social_care_areas": [a.name for a in areas if a.counts_as_social_care],
        "lst_out_of_hospital_areas": [a.name for a in areas if a.counts_as_out_of_hospital],
        "lst_nhs_commissioners": [c.name for c in commissioners if c.is_nhs],
        "lst_joint_commissioners": [c.name for c in commissioners if c.is_joint],
    }


def _spend_formula(what: str, year_letter: str, last: int) -> str:
    def col(title):
        letter = L.expenditure_letter(title)
        return f"Expenditure!${letter}$4:${letter}${last}"

    amount = f"Expenditure!${year_letter}$4:${year_letter}${last}"
    ccg = f"ISNUMBER(MATCH({col('Funding source')},lst_ccg_sources,0))"
    if what == "social":
        area = f"ISNUMBER(MATCH({col('Area of spend')},lst_social_care_areas,0))"
        return f"=SUMPRODUCT({amount}*{ccg}*{area})"
    area = f"ISNUMBER(MATCH({col('Area of spend')},lst_out_of_hospital_areas,0))"
    nhs = (
        f"(ISNUMBER(MATCH({col('Commissioner')},lst_nhs_commissioners,0))"
        f"+ISNUMBER(MATCH({col('Commissioner')},lst_joint_commissioners,0))*{col('% NHS')}/100)"
    )
    return f"=SUMPRODUCT({amount}*{ccg}*{area}*{nhs})"


def _income_formula(round_, summary: Summary, index: int, what: str) -> str:
    if what == "income":
        return f"={Summary.column(index, 'income')}{summary.total}"
    letter = get_column_letter(3 + index)  # the year's column on the Income sheet
    codes = round_.funding_sources.filter(is_ccg_minimum=True).values_list("code", flat=True)
    parts = [
        f'SUMIFS(Income!${letter}$4:${letter}$200,Income!$A$4:$A$200,"{code}")' for code in codes
    ]
    return "=" + ("+".join(parts) or "0")


def add_ring_fences(workbook, round_, years, plan, last_row, summary: Summary) -> None:
    """Ring-fence minimums against what the plan's lines give, per year, on the
    Summary, with "Yes", "No" or "Not set" for each."""
    applied = set(round_.rules.values_list("code", flat=True))
    shown = [r for r in RING_FENCES if r[0] in applied]
    if not shown:
        return
    sheet, in_thousands = summary.sheet, round_.amounts_in_thousands
    unit = money.unit(in_thousands)
    minimums: dict = {}
    if plan is not None:
        for kind, start, amount in MinimumAllocation.objects.filter(area=plan.area).values_list(
            "kind", "year__start_year", "amount"
        ):
            minimums[(kind, start)] = amount
    top = summary.total + 2
    sheet.cell(row=top, column=1, value="Ring-fences and minimums (live formulas)").font = BOLD
    headers = ["Requirement"]
    for year in years:
        headers += [f"Minimum {year.label} ({unit})", f"Planned {year.label} ({unit})", "Met?"]
    for column, title in enumerate(headers, 1):
        cell = sheet.cell(row=top + 1, column=column, value=title)
        cell.font, cell.fill = BOLD, HEADER_FILL
    places = 5 if in_thousands else 2
    first_year = len(L.EXPENDITURE_FIXED) + 1
    for number, (rule, kind, label, what) in enumerate(shown, top + 2):
        text(sheet.cell(row=number, column=1), label)
        summary.ring_fences[rule] = number
        for index, year in enumerate(years):
            minimum = sheet[f"{Summary.column(index, 'income')}{number}"]
            amount = minimums.get((kind, year.start_year))
            if amount is not None:
                minimum.value = amount / L.THOUSAND if in_thousands else amount
            planned = sheet[f"{Summary.column(index, 'spend')}{number}"]
            if what in ("income", "ccg"):
                planned.value = _income_formula(round_, summary, index, what)
            else:
                planned.value = _spend_formula(
                    what, get_column_letter(first_year + index), last_row
                )
            for cell in (minimum, planned):
                cell.number_format = THOUSANDS if in_thousands else POUNDS
            m, p = minimum.coordinate, planned.coordinate
            sheet[f"{Summary.column(index, 'difference')}{number}"] = (
                f'=IF({m}="","Not set",IF(ROUND({p},{places})>=ROUND({m},{places}),"Yes","No"))'
            )
    sheet.conditional_formatting.add(
        f"B{top + 2}:{get_column_letter(len(headers))}{top + 1 + len(shown)}",
        CellIsRule(operator="equal", formula=['"Yes"'], fill=GREEN),
    )
    sheet.conditional_formatting.add(
        f"B{top + 2}:{get_column_letter(len(headers))}{top + 1 + len(shown)}",
        CellIsRule(operator="equal", formula=['"No"'], fill=RED),
    )


def _metric_checks(round_, placed):
    """(label, formula) per required metric: every period of it planned, by its
    value or by its counts and population. `placed`: each metric with the Metrics
    sheet's row of each of its measures."""
    layout = columns(round_)
    out = []
    for metric, rows in placed:
        if not metric.required:
            continue
        missing = []
        for period in metric.periods.all():
            letter = get_column_letter(layout.index(period.label) + 1)

            def at(key, letter=letter, rows=rows):
                return f"Metrics!{letter}{rows[key]}"

            counts = [at(k) for k in rows if k.startswith("component:") or k == "numerator"]
            ways = []
            if "value" in rows:
                ways.append(f"ISNUMBER({at('value')})")
            if counts and "denominator" in rows:
                parts = "+".join(f"ISNUMBER({c})" for c in counts)
                ways.append(f"AND({parts}>0,ISNUMBER({at('denominator')}))")
            missing.append(f"IF(OR({','.join(ways)}),0,1)")
        if missing:
            out.append((f"Every period planned: {metric.name}", "+".join(missing)))
    return out


def add_checklist(workbook, round_, years, last_row, summary: Summary, placed) -> None:
    sheet = workbook.create_sheet(CHECKLIST)
    sheet["A1"] = "Checklist: each requirement turns green when it is met, red when not"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = (
        "Live formulas over the other sheets, for your guidance; BCF Plans checks the "
        "plan again when you upload it. This sheet is not imported."
    )
    for column, title in enumerate(("Requirement", "Year", "Met?"), 1):
        cell = sheet.cell(row=3, column=column, value=title)
        cell.font, cell.fill = BOLD, HEADER_FILL
    applied = set(round_.rules.values_list("code", flat=True))
    checks = []
    places = 5 if round_.amounts_in_thousands else 2
    sources = f"{summary.first}:{summary.total - 1}"
    for index, year in enumerate(years):
        if "income_equals_expenditure" in applied:
            difference = Summary.column(index, "difference")
            first, last = sources.split(":")
            income = f"Summary!{Summary.column(index, 'income')}{summary.total}"
            spend = f"Summary!{Summary.column(index, 'spend')}{summary.total}"
            checks.append(
                (
                    "Income equals expenditure for every funding source",
                    year.label,
                    f'=IF(AND({income}=0,{spend}=0),"Not set",IF(SUMPRODUCT(ABS(ROUND('
                    f"Summary!{difference}{first}:{difference}{last},{places})))=0,"
                    '"Yes","No"))',
                )
            )
        for rule, _kind, label, _what in RING_FENCES:
            if rule in summary.ring_fences:
                met = Summary.column(index, "difference")
                checks.append((label, year.label, f"=Summary!{met}{summary.ring_fences[rule]}"))
    ids = f"Expenditure!$A$4:$A${last_row}"
    types = f"Expenditure!${L.expenditure_letter('Scheme type')}$4:" + (
        f"${L.expenditure_letter('Scheme type')}${last_row}"
    )
    checks.append(
        (
            "Every scheme has a scheme type",
            "All",
            f'=IF(COUNTA({ids})=0,"Not set",IF(COUNTIFS({ids},"<>",{types},"")=0,"Yes","No"))',
        )
    )
    for label, missing in _metric_checks(round_, placed):
        checks.append((label, "All", f'=IF({missing}=0,"Yes","No")'))
    for number, (label, year, formula) in enumerate(checks, 4):
        text(sheet.cell(row=number, column=1), label)
        text(sheet.cell(row=number, column=2), year)
        sheet.cell(row=number, column=3, value=formula).alignment = Alignment(horizontal="center")
    last = 3 + len(checks)
    for word, fill in (("Yes", GREEN), ("No", RED), ("Not set", AMBER)):
        sheet.conditional_formatting.add(
            f"C4:C{last}", CellIsRule(operator="equal", formula=[f'"{word}"'], fill=fill)
        )
    sheet.column_dimensions["A"].width = 70
    sheet.column_dimensions["B"].width = 12
    sheet.column_dimensions["C"].width = 12
    protect(sheet)
