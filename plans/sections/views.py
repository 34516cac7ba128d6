from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from finance import services as finance_services
from plans import permissions
from plans.diff import text_diff

from .editors import EDITORS, NarrativeEditor
from .forms import CompletionForm, error_summary
from .services import EditConflict, progress_for, save_section, section_open


def _section(plan, section_slug):
    section = plan.round.sections.filter(slug=section_slug, kind__in=EDITORS).first()
    if section is None:
        raise Http404("No such section in this round.")
    return section


def _page_context(plan, section):
    partners = list(
        plan.narrative.plans.order_by("area__name").values_list("area__name", flat=True)
    )
    context = {"plan": plan, "section": section, "partner_names": partners}
    if section.kind == section.Kind.PLAN_DETAILS:
        context["pooled_budget"] = finance_services.pooled_budget_by_year(plan)
    return context


@login_required
def edit_section(request, round_slug, area_slug, section_slug):
    """GET shows the section (read-only to those who may not edit); POST saves it
    if nobody else saved it since the form was read."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    section = _section(plan, section_slug)
    can_edit = permissions.can_edit_narrative(request.user, plan) and section_open(plan, section)
    editor_class = EDITORS[section.kind]
    context = _page_context(plan, section) | {"can_edit": can_edit}
    progress = progress_for(plan, section)

    if request.method != "POST":
        completion = CompletionForm.for_progress(progress)
        editor = editor_class(plan, section, readonly=not can_edit)
        return render(
            request, editor.template, context | _form_context(editor, completion, progress)
        )

    if not can_edit:
        raise PermissionDenied
    completion = CompletionForm(request.POST)
    completing = completion.is_valid() and completion.cleaned_data["completed"]
    editor = editor_class(plan, section, request.POST, completing=completing)
    valid = completion.is_valid() and editor.is_valid()
    if valid:
        try:
            save_section(
                plan,
                section,
                request.user,
                completion.cleaned_data["lock_version"],
                completing,
                editor.save,
            )
        except EditConflict as conflict:
            return _conflict(request, plan, section, editor, conflict.current, context)
        messages.success(request, f"{section.title}: saved.")
        if request.POST.get("add_row"):
            url = reverse("plans:section", args=[round_slug, area_slug, section_slug])
            return redirect(f"{url}#{section.kind}-{editor.form.total_form_count() - 1}")
        return redirect(plan.get_absolute_url())
    context |= _form_context(editor, completion, progress)
    return render(request, editor.template, context, status=400)


def _form_context(editor, completion, progress):
    errors = editor.errors()
    if completion.is_bound:
        errors += error_summary(completion)
    return {"editor": editor, "completion": completion, "progress": progress, "errors": errors}


def _conflict(request, plan, section, editor, saved_progress, context):
    """Refuse the save: keep the author's input on screen, show what the other person
    saved, and carry the new version so a second save is a deliberate overwrite."""
    data = request.POST.copy()
    data["lock_version"] = saved_progress.lock_version
    completion = CompletionForm(data)
    completion.is_valid()
    saved = type(editor)(plan, section, readonly=True)
    context |= _form_context(editor, completion, saved_progress)
    context |= {
        "conflict": saved_progress,
        "conflict_saved": saved.summary(),
        "conflict_diff": (
            text_diff(saved.text(), editor.form.cleaned_data.get("text", ""))
            if isinstance(editor, NarrativeEditor)
            else None
        ),
    }
    return render(request, editor.template, context, status=409)


# Sections edited on their own pages (schemes, finance, metrics) are marked complete here.
APP_SECTION_KINDS = ("schemes", "finance", "metrics")


@login_required
@require_POST
def complete_section(request, round_slug, area_slug, section_slug):
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "edit_finance")
    section = plan.round.sections.filter(slug=section_slug, kind__in=APP_SECTION_KINDS).first()
    if section is None:
        raise Http404("No such section in this round.")
    completion = CompletionForm(request.POST)
    back = request.META.get("HTTP_REFERER") or plan.get_absolute_url()
    if not completion.is_valid():
        messages.error(request, "Select whether you have completed this section.")
        return redirect(back)
    try:
        save_section(
            plan,
            section,
            request.user,
            completion.cleaned_data["lock_version"],
            completion.cleaned_data["completed"],
            lambda: None,
        )
    except EditConflict:
        messages.error(request, "Someone else updated this section first; check it and try again.")
        return redirect(back)
    messages.success(request, f"{section.title}: saved.")
    return redirect(plan.get_absolute_url())
