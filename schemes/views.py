from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from finance.forms import ExpenditureLineForm
from plans import permissions
from plans.locking import EditConflict
from plans.models import Section
from plans.sections.forms import error_summary
from plans.sections.services import section_open

from . import services
from .forms import ExpenditureLineFormSet, SchemeForm
from .models import Scheme


@login_required
def scheme_list(request, round_slug, area_slug):
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    years, schemes = services.schemes_with_totals(plan)
    return render(
        request,
        "schemes/scheme_list.html",
        {
            "plan": plan,
            "years": years,
            "schemes": schemes,
            "can_edit": permissions.can_edit_finance(request.user, plan),
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
    can_edit = permissions.can_edit_finance(request.user, plan) and section_open(
        plan, kind=Section.Kind.SCHEMES
    )
    scheme = get_object_or_404(Scheme, plan=plan, code=code) if code else Scheme(plan=plan)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = SchemeForm(data, instance=scheme, plan=plan)
    lines = ExpenditureLineFormSet(
        data,
        instance=scheme,
        prefix="lines",
        form_kwargs={"round": plan.round, "choices": ExpenditureLineForm.list_choices(plan.round)},
        queryset=scheme.expenditure_lines.select_related("source", "year") if scheme.pk else None,
    )
    context = {"plan": plan, "scheme": scheme, "form": form, "lines": lines, "can_edit": can_edit}
    if data is None:
        if not can_edit:
            for each in [form, *lines.forms]:
                for field in each.fields.values():
                    field.disabled = True
        return render(request, "schemes/scheme_form.html", context)
    if form.is_valid() and lines.is_valid():
        try:
            saved = services.save_scheme(form, lines, form.cleaned_data.get("lock_version"))
        except EditConflict as conflict:
            data = request.POST.copy()
            data["lock_version"] = conflict.current.lock_version
            context["form"] = SchemeForm(data, instance=scheme, plan=plan)
            context["form"].is_valid()
            context["conflict"] = conflict.current
            return render(request, "schemes/scheme_form.html", context, status=409)
        messages.success(request, f"Scheme {saved.code} saved.")
        return redirect("schemes:list", round_slug, area_slug)
    context["errors"] = _errors(form, lines)
    return render(request, "schemes/scheme_form.html", context, status=400)


@login_required
def scheme_remove(request, round_slug, area_slug, code):
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "edit_finance")
    if not section_open(plan, kind=Section.Kind.SCHEMES):
        raise PermissionDenied
    scheme = get_object_or_404(Scheme, plan=plan, code=code)
    if request.method == "POST":
        scheme.delete()
        messages.success(request, f"Scheme {code} and its expenditure lines removed.")
        return redirect("schemes:list", round_slug, area_slug)
    return render(request, "schemes/scheme_remove.html", {"plan": plan, "scheme": scheme})
