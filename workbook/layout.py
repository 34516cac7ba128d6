"""Where everything sits in the planning template. The writer and the reader both use
this module, so they cannot drift apart; the reader finds tables by defined names,
never by fixed coordinates."""

from decimal import Decimal

TEMPLATE_VERSION = 2  # 2: lead providers, metric years after periods, contingency, checklist
MAX_INPUT_ROWS = 2_000  # rows offered for expenditure lines (validations, unlocked cells)
MAX_SHEET_ROWS = 20_000  # the reader refuses sheets longer than this

COVER, INCOME, EXPENDITURE, METRICS, SUMMARY, LISTS, META = (
    "Cover",
    "Income",
    "Expenditure",
    "Metrics",
    "Summary",
    "Lists",
    "_meta",
)
REQUIRED_SHEETS = (INCOME, EXPENDITURE, METRICS, META)

# Hidden stamp: defined name -> meaning
STAMP = {"bcf_round": "round", "bcf_area": "area", "bcf_version": "version"}
# What each table held at download (workbook/fingerprints.py); absent from blank ones.
CONTENT_STAMP = {
    "bcf_income_content": "income",
    "bcf_expenditure_content": "expenditure",
    "bcf_metrics_content": "metrics",
}
HEADER_NAMES = {
    INCOME: "bcf_income_header",
    EXPENDITURE: "bcf_expenditure_header",
    METRICS: "bcf_metrics_header",
}

INCOME_FIXED = ["Source code", "Funding source"]
EXPENDITURE_FIXED = [
    "Scheme ID",
    "Scheme name",
    "Theme",
    "Scheme type",
    "Lead provider",
    "Joint lead provider",
    "Area of spend",
    "Commissioner",
    "% NHS",
    "% LA",
    "Provider type",
    "Provider",
    "Funding source",
    "Recurrence",
]
METRICS_FIXED = ["Metric code", "Metric", "Measure"]


def expenditure_letter(title):
    """The Expenditure sheet's column letter for a fixed column."""
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[EXPENDITURE_FIXED.index(title)]


RECURRENCE = {"Recurrent": "recurrent", "Non-recurrent": "non_recurrent"}

THOUSAND = Decimal(1000)


def year_header(year, in_thousands):
    return f"{year.label} ({'£000' if in_thousands else '£'})"


def expected_headers(round_, years):
    """The Income and Expenditure headers (the Metrics sheet's are in metric_sheet)."""
    in_thousands = round_.amounts_in_thousands
    return {
        INCOME: INCOME_FIXED + [year_header(y, in_thousands) for y in years],
        EXPENDITURE: EXPENDITURE_FIXED + [year_header(y, in_thousands) for y in years],
    }


def measure_rows(metric, components):
    """(measure key, label) rows a metric has on the Metrics sheet."""
    if components:
        rows = [(f"component:{c.code}", c.name) for c in components]
        return [*rows, ("denominator", metric.denominator_label or "Denominator")]
    if metric.unit == "rate":
        return [
            ("numerator", metric.numerator_label or "Numerator"),
            ("denominator", metric.denominator_label or "Denominator"),
            ("value", "Planned rate, only where no numerator and population are given"),
        ]
    return [("value", "Planned value")]
