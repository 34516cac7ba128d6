import io
from collections import Counter
from urllib.parse import urlencode

import pandas as pd
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from metrics.charts import bar_chart, data_uri
from plans import permissions
from plans.models import Plan, Region, Round

from .overview import (
    MONEY_RULES,
    PAGES_CACHE,
    kept,
    latest_change,
    overview_rows,
    rollups,
    rows_and_money,
)

SORTS = {
    "area": lambda r: r.area.name,
    "region": lambda r: (r.area.region.name, r.area.name),
    "status": lambda r: (r.plan.status_label if r.plan else "", r.area.name),
    "days": lambda r: (r.days_since_submission is None, r.days_since_submission or 0),
    "income": lambda r: r.income,
    "spend": lambda r: r.spend,
}


class OverviewFilter(forms.Form):
    round = forms.ModelChoiceField(
        Round.objects.all(), to_field_name="slug", required=False, empty_label=None
    )
    region = forms.ModelChoiceField(
        Region.objects.all(), to_field_name="slug", required=False, empty_label="All regions"
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *Plan.Status.choices], required=False)
    sort = forms.ChoiceField(
        choices=[(k, k) for k in SORTS] + [(f"-{k}", k) for k in SORTS], required=False
    )


# What apps above this one add to the overview (returns adds its counts), registered
# from their AppConfig.ready(): (user, round) -> (template, context) or None.
OVERVIEW_PANELS: list = []


def register_overview_panel(provider) -> None:
    OVERVIEW_PANELS.append(provider)


def _allowed(user):
    return permissions.is_assurance_user(user)


def _frame(rows):
    return pd.DataFrame(
        [
            {
                "Health and Wellbeing Board": r.area.name,
                "ONS code": r.area.ons_code,
                "Region": r.area.region.name,
                "Status": r.plan.status_label if r.plan else "Not submitted",
                "Version": getattr(r.plan, "version", None) if r.plan else None,
                "Days since submission": r.days_since_submission,
                "Income (£)": float(r.income),
                "Expenditure (£)": float(r.spend),
                **{
                    label: {True: "Met", False: "Not met", None: ""}[r.rules.get(key)]
                    for key, label in MONEY_RULES
                },
            }
            for r in rows
        ]
    )


PAGE_SIZE = 50
NOT_SUBMITTED = "Not submitted"


def year_label(start):
    """A financial year as the service writes it: 2017 → "2017/18"."""
    return f"{start}/{(start + 1) % 100:02d}"


def status_counts(rows):
    """[(status value or "", label, count)] for the rows, in the statuses' order."""
    counts = Counter(r.plan.status if r.plan else "" for r in rows)
    labelled = [(value, label) for value, label in Plan.Status.choices if counts[value]]
    if counts[""]:
        labelled.append(("", NOT_SUBMITTED))
    return [(value, label, counts[value]) for value, label in labelled]


def _source_chart(totals):
    """Expenditure by source group and year as a bar chart (£ million)."""
    rows = totals["by_source"]
    if not rows:
        return ""
    years = sorted({r["year__start_year"] for r in rows})
    groups = sorted({r["source__report_group"] for r in rows})
    amounts = {(r["source__report_group"], r["year__start_year"]): r["total"] for r in rows}
    series = {year_label(y): [amounts.get((g, y), 0) / 1_000_000 for g in groups] for y in years}
    return data_uri(
        bar_chart(
            groups,
            series,
            ylabel="£ million",
            title="Expenditure by source group and year (£ million)",
            chart_id="rollup",
        )
    )


@login_required
def overview(request):
    if not _allowed(request.user):
        raise PermissionDenied
    data = request.GET.copy()
    data.setdefault("round", Round.objects.order_by("-slug").values_list("slug", flat=True).first())
    form = OverviewFilter(data)
    form.is_valid()
    cleaned = form.cleaned_data if form.is_valid() else {}
    round_ = cleaned.get("round") or Round.objects.order_by("-slug").first()
    region = cleaned.get("region")
    region_slug, status = (region.slug if region else None), cleaned.get("status") or None
    fmt = request.GET.get("format")
    user = request.user
    sort = cleaned.get("sort") or "area"
    if fmt in ("csv", "xlsx"):
        rows = overview_rows(user, round_, region=region_slug, status=status)
        rows.sort(key=SORTS[sort.lstrip("-")], reverse=sort.startswith("-"))
        return _download(fmt, rows, round_)
    # the links keep the filters as understood, not whatever else the address held
    query = urlencode(
        {
            "round": round_.slug,
            **({"region": region_slug} if region_slug else {}),
            **({"status": status} if status else {}),
        }
    )
    page_asked = _page_number(request.GET.get("page"))
    filters = (round_.pk, region_slug, status)
    marker = latest_change()  # one read of the marker for both kept parts

    def body():
        """The page below the filters, rendered: kept for each sort and page of the
        rows, which are kept once for all of them."""
        bundle = kept(
            user,
            ("page", *filters),
            lambda: _page_bundle(user, round_, region_slug, status),
            marker,
        )
        rows = list(bundle["rows"])
        rows.sort(key=SORTS[sort.lstrip("-")], reverse=sort.startswith("-"))
        page = Paginator(rows, PAGE_SIZE).get_page(page_asked)
        context = {
            "rows": rows,
            "page": page,
            "statuses": bundle["statuses"],
            "rules": MONEY_RULES,
            "round": round_,
            "sort": sort,
            "query": query,
            "totals": bundle["totals"],
            "chart": bundle["chart"],
            "count_with_plan": bundle["count_with_plan"],
            "panels": bundle["panels"],
        }
        return render_to_string("plans/_overview_body.html", context, request=request)

    shown = kept(user, ("body", *filters, sort, page_asked), body, marker, PAGES_CACHE)
    return render(
        request,
        "plans/overview.html",
        {"form": form, "round": round_, "body": mark_safe(shown)},  # noqa: S308 (rendered here)
    )


def _page_number(asked):
    """The page asked for as a number from 1 ("last" and nonsense: the paginator's own
    answer for them, the last page and the first)."""
    if asked == "last":
        return asked
    try:
        return max(1, int(asked or 1))
    except ValueError:
        return 1


def _download(fmt, rows, round_):
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="bcf-overview-{round_.slug}.csv"'
        _frame(rows).to_csv(response, index=False)
        return response
    buffer = io.BytesIO()
    _frame(rows).to_excel(buffer, index=False, sheet_name="Overview")
    response = HttpResponse(
        buffer.getvalue(),
        content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )
    response["Content-Disposition"] = f'attachment; filename="bcf-overview-{round_.slug}.xlsx"'
    return response


def _page_bundle(user, round_, region, status):
    """Everything the overview page shows that does not depend on sorting or paging."""
    rows, money = rows_and_money(user, round_, region=region, status=status)
    plans = [r.plan for r in rows if r.plan is not None]
    totals = rollups(plans, money)
    for r in totals["by_source"]:
        r["year_label"] = year_label(r["year__start_year"])
    totals["ring_fences"] = [
        (kind, year_label(year), planned, minimum)
        for kind, year, planned, minimum in totals["ring_fences"]
    ]
    return {
        "rows": rows,
        "statuses": status_counts(rows),
        "totals": totals,
        "chart": _source_chart(totals),
        "count_with_plan": len(plans),
        "panels": [p for p in (each(user, round_) for each in OVERVIEW_PANELS) if p],
    }
