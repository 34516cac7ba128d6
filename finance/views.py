from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
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

from .forms import IncomeForm
from .models import IncomeLine
from .summary import finance_summary


def _finance_section(plan):
    return plan.round.sections.filter(kind=Section.Kind.FINANCE).first()


@login_required
def summary(request, round_slug, area_slug):
    """Totals by source, theme and area, and the minimum checks, all computed."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    partners = permissions.partner_plans(request.user, plan)
    section = _finance_section(plan)
    progress = progress_for(plan, section) if section else None
    context = {
        "plan": plan,
        "partners": partners,
        "section": section,
        "can_edit": permissions.can_edit_finance(request.user, plan),
        "completion": CompletionForm.for_progress(progress),
    }
    return render(request, "finance/summary.html", context | finance_summary(plan, partners))


def _write_income(plan, amounts):
    for (source, year), amount in amounts.items():
        if amount is None:
            IncomeLine.objects.filter(plan=plan, source=source, year=year).delete()
        else:
            IncomeLine.objects.update_or_create(
                plan=plan, source=source, year=year, defaults={"amount": amount}
            )


@login_required
def income(request, round_slug, area_slug):
    """Income into the pool: one amount per funding source and year."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    can_edit = permissions.can_edit_finance(request.user, plan) and section_open(
        plan, kind=Section.Kind.FINANCE
    )
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    section = _finance_section(plan)
    progress = progress_for(plan, section)
    years = list(plan.round.years.all())
    sources = list(plan.round.funding_sources.order_by("order"))
    amounts = {
        (line.source_id, line.year_id): line.amount for line in IncomeLine.objects.filter(plan=plan)
    }
    data = request.POST if request.method == "POST" else None
    form = IncomeForm(data, sources=sources, years=years, amounts=amounts)
    context = {
        "plan": plan,
        "form": form,
        "years": years,
        "sources": sources,
        "can_edit": can_edit,
        "progress": progress,
        "version": data.get("lock_version") if data else progress.lock_version,
    }
    if data is None:
        return render(request, "finance/income.html", context)
    if form.is_valid():
        try:
            save_page(
                plan,
                section,
                progress,
                request.user,
                data.get("lock_version"),
                lambda: _write_income(plan, form.amounts()),
            )
        except EditConflict as conflict:
            context |= {"conflict": conflict.current, "version": conflict.current.lock_version}
            return render(request, "finance/income.html", context, status=409)
        messages.success(request, "Income saved.")
        return redirect("finance:summary", round_slug, area_slug)
    context["errors"] = error_summary(form)
    return render(request, "finance/income.html", context, status=400)
