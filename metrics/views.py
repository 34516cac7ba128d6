from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from plans import permissions
from plans.models import Section
from plans.sections.forms import CompletionForm, error_summary
from plans.sections.services import (
    EditConflict,
    progress_for,
    save_page,
    section_open,
)

from . import services
from .charts import data_uri, line_chart
from .forms import MetricValuesForm
from .writes import write_metric


def _metrics_section(plan):
    return plan.round.sections.filter(kind=Section.Kind.METRICS).first()


@login_required
def plan_metrics(request, round_slug, area_slug):
    """Every metric of the round: chart, planned values with computed rates,
    quarterly and annual sums, alternatives, and the contingency table."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    tables = services.metric_tables(plan)
    section = _metrics_section(plan)
    progress = progress_for(plan, section) if section else None
    charts = {
        t.metric.pk: data_uri(line_chart(t, chart_id=f"chart-{t.metric.code}")) for t in tables
    }
    return render(
        request,
        "metrics/plan_metrics.html",
        {
            "plan": plan,
            "tables": [(t, charts[t.metric.pk]) for t in tables],
            "contingency_totals": services.contingency_totals(tables),
            "has_contingency": any(t.metric.payment_for_performance for t in tables),
            "can_edit": permissions.can_edit_finance(request.user, plan),
            "section": section,
            "completion": CompletionForm.for_progress(progress),
        },
    )


@login_required
def metric_edit(request, round_slug, area_slug, code):
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    can_edit = permissions.can_edit_finance(request.user, plan) and section_open(
        plan, kind=Section.Kind.METRICS
    )
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    table = next((t for t in services.metric_tables(plan) if t.metric.code == code), None)
    if table is None:
        raise Http404("No such metric in this round.")
    section = _metrics_section(plan)
    progress = progress_for(plan, section)
    data = request.POST if request.method == "POST" else None
    form = MetricValuesForm(data, table=table)
    context = {
        "plan": plan,
        "table": table,
        "form": form,
        "can_edit": can_edit,
        "version": data.get("lock_version") if data else progress.lock_version,
    }
    if data is None:
        if not can_edit:
            for each in form.fields.values():
                each.disabled = True
        return render(request, "metrics/metric_form.html", context)
    if form.is_valid():
        try:
            save_page(
                plan,
                section,
                progress,
                request.user,
                data.get("lock_version"),
                lambda: write_metric(plan, table, form),
            )
        except EditConflict as conflict:
            context |= {"conflict": conflict.current, "version": conflict.current.lock_version}
            return render(request, "metrics/metric_form.html", context, status=409)
        messages.success(request, f"{table.metric.name}: saved.")
        return redirect("metrics:plan", round_slug, area_slug)
    context["errors"] = error_summary(form)
    return render(request, "metrics/metric_form.html", context, status=400)
