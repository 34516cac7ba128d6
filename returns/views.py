"""The return pages of a plan: the list, one return's task list with its actuals
against the plan, each part's form, submission, the template and the report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from metrics.charts import data_uri, line_chart
from plans import permissions
from plans.ui import CompletionForm, error_summary, page_conflict, save_and_respond

from . import actions, selectors
from .forms import form_for
from .models import ReturnUpload


def plan_for(request, round_slug, area_slug):
    return permissions.get_plan_for(request.user, round_slug, area_slug, "view")


def sheet_for(request, plan, period_slug):
    """The return's sheet, if the round has returns, the period is one of its, and the
    user may see it (a draft only for the area's own staff)."""
    settings = selectors.settings_of(plan)
    period = selectors.find_period(plan, period_slug) if settings else None
    if period is None:
        raise Http404("No such return in this round.")
    sheet = selectors.return_sheet(plan, period, settings)
    if not sheet.plan_return.is_submitted and not selectors.sees_drafts(request.user, plan):
        raise Http404("This return has not been submitted yet.")
    return sheet


def _charts(sheet):
    return {
        block.metric.pk: data_uri(line_chart(block.table, chart_id=f"chart-{block.metric.code}"))
        for block in sheet.metrics
        if block.table.plan
    }


@login_required
def return_list(request, round_slug, area_slug):
    plan = plan_for(request, round_slug, area_slug)
    settings = selectors.settings_of(plan)
    rows = selectors.return_list(plan, timezone.localdate()) if settings else []
    drafts = selectors.sees_drafts(request.user, plan)
    return render(
        request,
        "returns/return_list.html",
        {
            "plan": plan,
            "rows": rows,
            "has_returns": settings is not None,
            "in_delivery": selectors.in_delivery(plan),
            "sees_drafts": drafts,
        },
    )


@login_required
def return_detail(request, round_slug, area_slug, period_slug):
    plan = plan_for(request, round_slug, area_slug)
    sheet = sheet_for(request, plan, period_slug)
    charts = _charts(sheet)
    return render(
        request,
        "returns/return_detail.html",
        {
            "plan": plan,
            "sheet": sheet,
            "blocks": [(block, charts.get(block.metric.pk, "")) for block in sheet.metrics],
            "can_edit": selectors.can_edit(request.user, plan, sheet.plan_return),
            "can_submit": selectors.can_submit(request.user, plan, sheet.plan_return),
            "can_reopen": selectors.can_reopen(request.user, plan, sheet.plan_return),
            "overdue": selectors.is_overdue(sheet.period, sheet.plan_return, timezone.localdate()),
            "performance_totals": sheet.performance_totals(),
            "events": sheet.plan_return.events.select_related("actor")
            if sheet.plan_return.pk
            else [],
        },
    )


@login_required
def return_part(request, round_slug, area_slug, period_slug, part):
    plan = plan_for(request, round_slug, area_slug)
    sheet = sheet_for(request, plan, period_slug)
    status = sheet.part(part)
    if status is None:
        raise Http404("This return does not ask for that part.")
    editable = selectors.can_edit(request.user, plan, sheet.plan_return)
    back = reverse("plans:return", args=[round_slug, area_slug, period_slug])
    context = {"plan": plan, "sheet": sheet, "status": status, "can_edit": editable, "back": back}
    if request.method != "POST":
        form = form_for(part, None, sheet)
        if not editable:
            for each in form.fields.values():
                each.disabled = True
        completion = CompletionForm.for_progress(status.progress)
        return render(
            request, "returns/part.html", context | {"form": form, "completion": completion}
        )
    if not editable:
        raise PermissionDenied
    completion = CompletionForm(request.POST)
    completing = completion.is_valid() and completion.cleaned_data["completed"]
    form = form_for(part, request.POST, sheet, completing=completing)
    valid = completion.is_valid() and form.is_valid()
    context |= {"form": form, "completion": completion}
    return save_and_respond(
        request,
        template="returns/part.html",
        context=context,
        valid=valid,
        save=lambda: actions.save_part(
            user=request.user,
            plan=plan,
            period=sheet.period,
            form=form,
            posted_version=completion.cleaned_data["lock_version"],
            completed=completing,
        ),
        done=(f"{status.title}: saved.", back),
        errors=lambda: error_summary(form) + error_summary(completion),
        on_conflict=lambda conflict: _conflict(request, conflict),
    )


def _conflict(request, conflict):
    """Keep the author's figures on screen, say who saved first, and carry the new
    version so saving again is a deliberate overwrite."""
    data = request.POST.copy()
    data["lock_version"] = conflict.current.lock_version
    completion = CompletionForm(data)
    completion.is_valid()
    return page_conflict(conflict) | {"completion": completion}


@login_required
@require_POST
def submit(request, round_slug, area_slug, period_slug):
    plan = plan_for(request, round_slug, area_slug)
    sheet = sheet_for(request, plan, period_slug)
    back = reverse("plans:return", args=[round_slug, area_slug, period_slug])
    try:
        submitted = actions.submit_return(user=request.user, plan=plan, period=sheet.period)
    except actions.ReturnRefused as refused:
        messages.error(request, str(refused))
        return redirect(back)
    messages.success(
        request, f"{sheet.period.label} return submitted. Its reference is {submitted.reference}."
    )
    return redirect(back)


@login_required
@require_POST
def reopen(request, round_slug, area_slug, period_slug):
    plan = plan_for(request, round_slug, area_slug)
    sheet = sheet_for(request, plan, period_slug)
    back = reverse("plans:return", args=[round_slug, area_slug, period_slug])
    try:
        actions.reopen_return(
            user=request.user,
            plan=plan,
            period=sheet.period,
            reason=request.POST.get("reason", ""),
        )
    except actions.ReturnRefused as refused:
        messages.error(request, str(refused))
        return redirect(back)
    messages.success(
        request,
        f"{sheet.period.label} return reopened. {plan.area.name} has been told why and can "
        "correct it and submit it again.",
    )
    if selectors.sees_drafts(request.user, plan):
        return redirect(back)
    # An assurer does not see a return in progress: back to the national page.
    national = reverse("returns:national")
    return redirect(f"{national}?round={plan.round.slug}&period={sheet.period.slug}")


def recent_uploads(plan, period):
    return ReturnUpload.objects.filter(plan=plan, period=period).select_related("uploaded_by")[:5]
