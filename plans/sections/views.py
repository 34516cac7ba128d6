from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from plans import permissions
from plans.diff import text_diff
from plans.http import back_or
from plans.models import Plan
from plans.ui import CompletionForm, error_summary, save_and_respond

from .actions import EditConflict, save_section
from .editors import EDITORS, NarrativeEditor
from .selectors import can_edit, frozen_by, progress_for


def _section(plan, section_slug):
    section = plan.round.sections.filter(slug=section_slug, kind__in=EDITORS).first()
    if section is None:
        raise Http404("No such section in this round.")
    return section


type SectionContext = Callable[[Plan], dict[str, Any]]

# What apps above this one add to a section's page (finance adds the pooled budget to
# plan details), registered from their AppConfig.ready(): {section kind: [provider]}.
SECTION_CONTEXT: dict[str, list[SectionContext]] = defaultdict(list)


def register_section_context(kind: str, provider: SectionContext) -> None:
    SECTION_CONTEXT[kind].append(provider)


def _page_context(plan, section):
    partners = list(
        plan.narrative.plans.order_by("area__name").values_list("area__name", flat=True)
    )
    context = {
        "plan": plan,
        "section": section,
        "partner_names": partners,
        "frozen_by": frozen_by(plan, section),
    }
    for provider in SECTION_CONTEXT[section.kind]:
        context |= provider(plan)
    return context


@login_required
def edit_section(request, round_slug, area_slug, section_slug):
    """GET shows the section (read-only to those who may not edit); POST saves it
    if nobody else saved it since the form was read."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    section = _section(plan, section_slug)
    editable = can_edit(request.user, plan, section)
    editor_class = EDITORS[section.kind]
    context = _page_context(plan, section) | {"can_edit": editable}
    progress = progress_for(plan, section)

    if request.method != "POST":
        completion = CompletionForm.for_progress(progress)
        editor = editor_class(plan, section, readonly=not editable)
        return render(
            request, editor.template, context | _form_context(editor, completion, progress)
        )

    if not editable:
        raise PermissionDenied
    completion = CompletionForm(request.POST)
    completing = completion.is_valid() and completion.cleaned_data["completed"]
    editor = editor_class(plan, section, request.POST, completing=completing)
    valid = completion.is_valid() and editor.is_valid()
    done = plan.get_absolute_url()
    if valid and request.POST.get("add_row"):
        url = reverse("plans:section", args=[round_slug, area_slug, section_slug])
        done = f"{url}#{section.kind}-{editor.form.total_form_count() - 1}"
    return save_and_respond(
        request,
        template=editor.template,
        context=context | _form_context(editor, completion, progress),
        valid=valid,
        save=lambda: save_section(
            plan=plan,
            section=section,
            user=request.user,
            read_version=completion.cleaned_data["lock_version"],
            completed=completing,
            write=editor.save,
        ),
        done=(f"{section.title}: saved.", done),
        errors=lambda: _form_context(editor, completion, progress)["errors"],
        on_conflict=lambda conflict: _conflict(request, plan, section, editor, conflict.current),
    )


def _form_context(editor, completion, progress):
    errors = editor.errors()
    if completion.is_bound:
        errors += error_summary(completion)
    grid = editor.grid() if hasattr(editor, "grid") else None
    return {
        "editor": editor,
        "grid": grid,
        "wide": grid is not None,
        "completion": completion,
        "progress": progress,
        "errors": errors,
    }


def _conflict(request, plan, section, editor, saved_progress):
    """Refuse the save: keep the author's input on screen, show what the other person
    saved, and carry the new version so a second save is a deliberate overwrite."""
    data = request.POST.copy()
    data["lock_version"] = saved_progress.lock_version
    completion = CompletionForm(data)
    completion.is_valid()
    saved = type(editor)(plan, section, readonly=True)
    return _form_context(editor, completion, saved_progress) | {
        "conflict": saved_progress,
        "conflict_saved": saved.summary(),
        "conflict_diff": (
            text_diff(saved.text(), editor.form.cleaned_data.get("text", ""))
            if isinstance(editor, NarrativeEditor)
            else None
        ),
    }


@login_required
@require_POST
def complete_section(request, round_slug, area_slug, section_slug):
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "edit_finance")
    section = plan.round.sections.filter(
        slug=section_slug, kind__in=permissions.FINANCE_SECTION_KINDS
    ).first()
    if section is None:
        raise Http404("No such section in this round.")
    completion = CompletionForm(request.POST)
    back = back_or(request, plan.get_absolute_url())
    if not completion.is_valid():
        messages.error(request, "Select whether you have completed this section.")
        return redirect(back)
    try:
        save_section(
            plan=plan,
            section=section,
            user=request.user,
            read_version=completion.cleaned_data["lock_version"],
            completed=completion.cleaned_data["completed"],
            write=lambda: None,
        )
    except EditConflict:
        messages.error(request, "Someone else updated this section first; check it and try again.")
        return redirect(back)
    messages.success(request, f"{section.title}: saved.")
    return redirect(plan.get_absolute_url())
