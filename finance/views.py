from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from plans import permissions
from plans.models import Section
from plans.sections.selectors import can_edit, progress_for, section_of_kind
from plans.stamps import kept_across_plans
from plans.ui import CompletionForm, error_summary, page_conflict, save_and_respond

from . import actions, selectors, tables
from .forms import IncomeForm


@login_required
def summary(request, round_slug, area_slug):
    """Totals by source, theme and area, and the minimum checks, all computed."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    partners = permissions.partner_plans(request.user, plan)
    section = section_of_kind(plan, Section.Kind.FINANCE)
    progress = progress_for(plan, section) if section else None
    context = {
        "plan": plan,
        "partners": partners,
        "section": section,
        "can_edit": permissions.can_edit_finance(request.user, plan),
        "completion": CompletionForm.for_progress(progress),
    }

    def work():
        summary = selectors.finance_summary(plan, partners)
        tables.print_figures(
            summary["spend_tables"] + summary["area_tables"], plan.round.amounts_in_thousands
        )
        return summary

    # the figures come from the plan and the partners' plans the user may see: kept
    # under all their stamps, worked out again when any of them changes
    shown = {p.pk: p for p in (plan, *partners)}
    summary = kept_across_plans(f"finance-summary:{plan.pk}", list(shown.values()), work)
    return render(request, "finance/summary.html", context | summary)


@login_required
def income(request, round_slug, area_slug):
    """Income into the pool: one amount per funding source and year."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    editable = can_edit(request.user, plan, kind=Section.Kind.FINANCE)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    progress = progress_for(plan, section_of_kind(plan, Section.Kind.FINANCE))
    years, sources, amounts = selectors.income_grid(plan)
    data = request.POST if request.method == "POST" else None
    form = IncomeForm(data, sources=sources, years=years, amounts=amounts)
    context = {
        "plan": plan,
        "form": form,
        "years": years,
        "sources": sources,
        "can_edit": editable,
        "progress": progress,
        "version": data.get("lock_version") if data else progress.lock_version,
    }
    if data is None:
        return render(request, "finance/income.html", context)
    return save_and_respond(
        request,
        template="finance/income.html",
        context=context,
        valid=form.is_valid(),
        save=lambda: actions.save_income(
            user=request.user,
            plan=plan,
            amounts=form.amounts(),
            posted_version=data.get("lock_version"),
        ),
        done=("Income saved.", reverse("finance:summary", args=[round_slug, area_slug])),
        errors=lambda: error_summary(form),
        on_conflict=page_conflict,
    )
