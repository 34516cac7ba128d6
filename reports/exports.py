"""The national finance export: every submitted plan's income and expenditure lines,
one row per line, ready for pivot tables. Built with pandas from two queries."""

import io

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render

from finance.models import IncomeLine
from plans import permissions
from plans.downloads import BuiltFile, request_download
from plans.models import Download
from schemes.models import ExpenditureLine

INCOME_COLUMNS = {
    "plan__round__slug": "Round",
    "plan__area__ons_code": "ONS code",
    "plan__area__name": "Health and Wellbeing Board",
    "plan__area__region__name": "Region",
    "plan__status": "Status",
    "year__start_year": "Year starting",
    "source__code": "Source code",
    "source__name": "Funding source",
    "amount": "Amount (£)",
}
EXPENDITURE_COLUMNS = {
    "scheme__plan__round__slug": "Round",
    "scheme__plan__area__ons_code": "ONS code",
    "scheme__plan__area__name": "Health and Wellbeing Board",
    "scheme__plan__area__region__name": "Region",
    "scheme__plan__status": "Status",
    "scheme__code": "Scheme ID",
    "scheme__name": "Scheme name",
    "scheme__theme": "Theme",
    "scheme__scheme_type__name": "Scheme type",
    "year__start_year": "Year starting",
    "source__name": "Funding source",
    "source__report_group": "Report group",
    "area_of_spend__name": "Area of spend",
    "commissioner__name": "Commissioner",
    "nhs_share": "% NHS",
    "la_share": "% LA",
    "provider_type__name": "Provider type",
    "provider": "Provider",
    "recurrence": "Recurrence",
    "amount": "Amount (£)",
}


def _frame(queryset, columns):
    frame = pd.DataFrame.from_records(
        list(queryset.values_list(*columns)), columns=list(columns.values())
    )
    if "Amount (£)" in frame:  # exact pounds and pence, as Excel numbers
        frame["Amount (£)"] = frame["Amount (£)"].map(lambda d: None if d is None else float(d))
    return frame.map(_safe_text)


def _safe_text(value):
    """Text a spreadsheet would run as a formula is neutralised (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def national_frames():
    submitted = permissions.REVIEWABLE_STATUSES
    income = IncomeLine.objects.filter(plan__status__in=submitted).order_by(
        "plan__round__slug", "plan__area__name", "year__start_year", "source__order"
    )
    spend = ExpenditureLine.objects.filter(scheme__plan__status__in=submitted).order_by(
        "scheme__plan__round__slug", "scheme__plan__area__name", "scheme__code", "year__start_year"
    )
    return _frame(income, INCOME_COLUMNS), _frame(spend, EXPENDITURE_COLUMNS)


def build_national_xlsx(download, progress):
    """The background builder for the national finance workbook."""
    progress.begin(3)
    progress.step("Reading every submitted plan's income and expenditure")
    income, spend = national_frames()
    progress.step(f"Writing {len(income):,} income and {len(spend):,} expenditure rows")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        income.to_excel(writer, sheet_name="Income", index=False)
        spend.to_excel(writer, sheet_name="Expenditure", index=False)
        for sheet in writer.sheets.values():
            sheet.freeze_panes = "A2"
        progress.step("Compressing the workbook")
    return BuiltFile(buffer.getvalue(), "bcf-national-finance.xlsx", XLSX)


def build_national_csv(download, progress):
    """The background builder for every submitted plan's expenditure lines as CSV."""
    progress.begin(2)
    progress.step("Reading every submitted plan's expenditure")
    _, spend = national_frames()
    progress.step(f"Writing {len(spend):,} expenditure rows")
    content = spend.to_csv(index=False).encode("utf-8-sig")  # BOM: Excel reads £ right
    return BuiltFile(content, "bcf-national-expenditure.csv", "text/csv; charset=utf-8")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_KINDS = {
    "xlsx": Download.Kind.NATIONAL_FINANCE_XLSX,
    "csv": Download.Kind.NATIONAL_FINANCE_CSV,
}


@login_required
def national_exports(request):
    """National administrators ask for the national files here; they are prepared in
    the background and the progress page offers them when ready."""
    if not permissions.is_national_admin(request.user):
        raise PermissionDenied
    if request.method == "POST":
        kind = EXPORT_KINDS.get(request.POST.get("format"))
        if kind is None:
            return HttpResponseBadRequest("Choose Excel or CSV.")
        return redirect(request_download(request.user, kind))
    recent = Download.objects.for_user(request.user).filter(kind__in=EXPORT_KINDS.values())[:10]
    return render(request, "reports/national_exports.html", {"recent": recent})
