from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from plans import permissions
from plans.locking import EditConflict
from plans.models import Section
from plans.sections.selectors import can_edit, progress_for, section_of_kind, section_open
from plans.ui import CompletionForm, error_summary, save_and_respond

from . import actions, selectors
from .forms import ExpenditureLineForm, ExpenditureLineFormSet, SchemeForm, lines_grid
from .models import Scheme


@login_required
def scheme_list(request, round_slug, area_slug):
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    years, schemes, totals = selectors.register(plan)
    partners = permissions.partner_plans(request.user, plan)
    # The register is the schemes section's page: it is where the section is completed.
    section = section_of_kind(plan, Section.Kind.SCHEMES)
    return render(
        request,
        "schemes/scheme_list.html",
        {
            "plan": plan,
            "years": years,
            "schemes": schemes,
            "totals": totals,
            "partners": partners,
            "contributions": selectors.metric_contributions(partners),
            "can_edit": permissions.can_edit_finance(request.user, plan),
            "section": section,
            "completion": CompletionForm.for_progress(
                progress_for(plan, section) if section else None
            ),
        },
    )


def _errors(form, lines):
    found = error_summary(form)
    for number, line in enumerate(lines.forms, 1):
        found += error_summary(line, prefix=f"Line {number}: ", fallback=line.prefix)
    found += [("", message) for message in lines.non_form_errors()]
    return found


@login_required
def scheme_edit(request, round_slug, area_slug, code=None):
    """Add a scheme, or edit one, with its expenditure lines (several at once)."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    editable = can_edit(request.user, plan, kind=Section.Kind.SCHEMES)
    scheme = get_object_or_404(Scheme, plan=plan, code=code) if code else Scheme(plan=plan)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = SchemeForm(data, instance=scheme, plan=plan)
    choices = ExpenditureLineForm.list_choices(plan.round)
    lines = ExpenditureLineFormSet(
        data,
        instance=scheme,
        prefix="lines",
        form_kwargs={"round": plan.round, "choices": choices},
        queryset=scheme.expenditure_lines.select_related("source", "year") if scheme.pk else None,
    )
    context = {
        "plan": plan,
        "scheme": scheme,
        "form": form,
        "lines": lines,
        "grid": lines_grid(lines, choices=choices, can_edit=editable),
        "wide": True,
        "can_edit": editable,
    }
    if data is None:
        if not editable:
            for each in [form, *lines.forms]:
                for field in each.fields.values():
                    field.disabled = True
        return render(request, "schemes/scheme_form.html", context)

    def save():
        attributes = {
            name: value
            for name, value in form.cleaned_data.items()
            if name not in ("lock_version", "metrics")
        }
        actions.save_scheme(
            user=request.user,
            plan=plan,
            scheme=scheme,
            attributes=attributes,
            metrics=form.cleaned_data.get("metrics"),
            lines=selectors.wanted_lines(lines),
            read_version=form.cleaned_data.get("lock_version"),
        )

    def on_conflict(conflict):
        posted = request.POST.copy()
        posted["lock_version"] = conflict.current.lock_version
        stale = SchemeForm(posted, instance=scheme, plan=plan)
        stale.is_valid()
        return {"form": stale, "conflict": conflict.current}

    valid = form.is_valid() and lines.is_valid()
    try:
        return save_and_respond(
            request,
            template="schemes/scheme_form.html",
            context=context,
            valid=valid,
            save=save,
            done=(
                f"Scheme {form.cleaned_data.get('code') if valid else ''} saved.",
                reverse("schemes:list", args=[round_slug, area_slug]),
            ),
            errors=lambda: _errors(form, lines),
            on_conflict=on_conflict,
        )
    except actions.SchemeIdTaken as taken:  # a double-click: the first request won
        form.add_error("code", str(taken))
        if code:
            scheme.code = code  # the page's links still name the scheme being edited
        context["errors"] = _errors(form, lines)
        return render(request, "schemes/scheme_form.html", context, status=400)


@login_required
def scheme_remove(request, round_slug, area_slug, code):
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "edit_finance")
    if not section_open(plan, kind=Section.Kind.SCHEMES):
        raise PermissionDenied
    scheme = get_object_or_404(Scheme, plan=plan, code=code)
    context = {"plan": plan, "scheme": scheme}
    if request.method == "POST":
        try:
            read_version = int(request.POST.get("lock_version", ""))
        except ValueError:
            read_version = None
        try:
            actions.remove_scheme(
                user=request.user, plan=plan, scheme=scheme, read_version=read_version
            )
        except EditConflict as conflict:
            context |= {"scheme": conflict.current, "conflict": conflict.current}
            return render(request, "schemes/scheme_remove.html", context, status=409)
        messages.success(request, f"Scheme {code} and its expenditure lines removed.")
        return redirect("schemes:list", round_slug, area_slug)
    return render(request, "schemes/scheme_remove.html", context)
