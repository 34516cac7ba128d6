from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from plans import permissions
from plans.models import Section
from plans.sections.selectors import can_edit, progress_for, section_of_kind
from plans.stamps import kept_for_plan
from plans.ui import CompletionForm, error_summary, page_conflict, save_and_respond

from . import actions, selectors
from .charts import data_uri, line_chart
from .display import Numbers, has_rate_columns, series_views
from .forms import MetricValuesForm


def _metrics_shown(plan):
    """The page's figures, and per metric (table, chart, each series with its cells as
    shown, whether it has numerator columns): worked out once per content stamp."""
    page, number = selectors.metrics_page(plan), Numbers()
    return page, [
        (
            t,
            data_uri(line_chart(t, chart_id=f"chart-{t.metric.code}")),
            series_views(t, number),
            has_rate_columns(t.metric),
        )
        for t in page.tables
    ]


@login_required
def plan_metrics(request, round_slug, area_slug):
    """Every metric of the round: chart, planned values with computed rates,
    quarterly and annual sums, alternatives, and the contingency table."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    page, shown = kept_for_plan("metrics-page", plan, _metrics_shown)
    tables = page.tables
    section = section_of_kind(plan, Section.Kind.METRICS)
    progress = progress_for(plan, section) if section else None
    return render(
        request,
        "metrics/plan_metrics.html",
        {
            "plan": plan,
            "tables": shown,
            "contingency_totals": page.contingency_totals,
            "local_metrics": page.local_metrics,
            "has_contingency": any(t.metric.payment_for_performance for t in tables),
            "can_edit": permissions.can_edit_finance(request.user, plan),
            "section": section,
            "completion": CompletionForm.for_progress(progress),
        },
    )


@login_required
def metric_edit(request, round_slug, area_slug, code):
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    editable = can_edit(request.user, plan, kind=Section.Kind.METRICS)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    table = next((t for t in selectors.metric_tables(plan) if t.metric.code == code), None)
    if table is None:
        raise Http404("No such metric in this round.")
    data = request.POST if request.method == "POST" else None
    local = selectors.local_metrics(plan).get(table.metric.pk) if table.metric.is_local else None
    form = MetricValuesForm(data, table=table, local=local)
    context = {
        "plan": plan,
        "table": table,
        "form": form,
        "can_edit": editable,
        # Each metric has its own lock: saving another metric never makes this page stale.
        "version": data.get("lock_version")
        if data
        else selectors.metric_lock(plan, table.metric).lock_version,
    }
    if data is None:
        if not editable:
            for each in form.fields.values():
                each.disabled = True
        return render(request, "metrics/metric_form.html", context)
    return save_and_respond(
        request,
        template="metrics/metric_form.html",
        context=context,
        valid=form.is_valid(),
        save=lambda: actions.save_metric(
            user=request.user,
            plan=plan,
            table=table,
            form=form,
            posted_version=data.get("lock_version"),
        ),
        done=(
            f"{table.metric.name}: saved.",
            reverse("metrics:plan", args=[round_slug, area_slug]),
        ),
        errors=lambda: error_summary(form),
        on_conflict=page_conflict,
    )
