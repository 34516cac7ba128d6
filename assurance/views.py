"""The plan's task list and check page, submission, versions, timeline and the
reviewer's workspace. Every transition is made by assurance.actions; these views only
parse, call and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from plans import permissions
from plans.findings import plan_findings
from plans.models import Area, Plan, PlanVersion, Recommendation, Role, Round
from plans.sections.selectors import FREEZING_STATUSES

from . import actions as workflow
from . import selectors
from .answers import answers_summary
from .as_submitted import as_submitted
from .calendar import overdue_by_plan
from .history import plan_history
from .snapshot import with_titles
from .tasks import finding_url, section_for_finding, task_groups, task_list
from .verdicts import verdicts
from .version_diff import diff_snapshots


def _plan(request, round_slug, area_slug):
    return permissions.get_plan_for(request.user, round_slug, area_slug, "view")


def _not_started(request, round_slug, area_slug):
    """An area's commissioner opening their area's plan in an open round before anyone
    started it is offered to start it (rounds:start-plan); anyone else gets the 404."""
    round_ = Round.objects.open().filter(slug=round_slug).first()
    mine = permissions.area_ids(request.user, (Role.Kind.COMMISSIONER,))
    area = Area.objects.filter(slug=area_slug, pk__in=mine).first()
    if round_ is None or area is None or Plan.objects.filter(round=round_, area=area).exists():
        raise Http404("No plan found for this round and area.")
    return render(request, "plans/not_started.html", {"round": round_, "area": area})


@login_required
def plan_overview(request, round_slug, area_slug):
    """The plan's task list: every section of the round with its status."""
    try:
        plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    except Http404:
        return _not_started(request, round_slug, area_slug)
    tasks, findings = task_list(plan)
    partners = list(plan.narrative.plans.select_related("round", "area").order_by("area__name"))
    return render(
        request,
        "plans/plan_overview.html",
        {
            "plan": plan,
            "tasks": tasks,
            "groups": task_groups(tasks),
            "all_completed": all(task.status.key == "completed" for task in tasks),
            "completed": sum(task.status.key == "completed" for task in tasks),
            "error_count": sum(f.severity == "error" for f in findings),
            "warning_count": sum(f.severity == "warning" for f in findings),
            "partner_plans": partners,
            "frozen_by": [p for p in partners if p.pk != plan.pk and p.status in FREEZING_STATUSES],
            "partner_names": [p.area.name for p in partners],
            "can_edit_narrative": permissions.can_edit_narrative(request.user, plan),
            "can_edit_finance": permissions.can_edit_finance(request.user, plan),
            "can_review": permissions.can_review(request.user, plan),
        },
    )


@login_required
def plan_check(request, round_slug, area_slug):
    """Every rule of the round with its verdict and figures (met, not met, not set),
    and every finding, each linked to the place to fix it."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    sections = list(plan.round.sections.all())
    findings = plan_findings(plan)

    def link(finding):
        return {
            "finding": finding,
            "section": section_for_finding(finding, sections),
            "url": finding_url(plan, finding, sections),
        }

    rows = [link(f) for f in sorted(findings, key=lambda f: (f.severity != "error", f.where))]
    return render(
        request,
        "plans/check.html",
        {"plan": plan, "rows": rows, "verdicts": verdicts(plan, findings, link)},
    )


@login_required
def submit(request, round_slug, area_slug):
    """Check your answers, then send for sign-off or submit."""
    plan = _plan(request, round_slug, area_slug)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "request_sign_off":
                workflow.send_for_sign_off(user=request.user, plan=plan)
                messages.success(request, "The plan has been sent for sign-off.")
            elif action == "return_to_draft":
                workflow.return_to_draft(
                    user=request.user, plan=plan, reason=request.POST.get("reason", "")
                )
                messages.success(request, "The plan is a draft again: its sections can be changed.")
            elif action == "reopen":
                workflow.reopen(user=request.user, plan=plan)
                messages.success(
                    request, "The plan is open for its next version. Submit it again when ready."
                )
            elif action == "submit":
                version = workflow.submit(
                    user=request.user, plan=plan, certified=request.POST.get("certified") == "yes"
                )
                return redirect("plans:submitted", round_slug, area_slug, version.number)
            else:
                raise Http404("Unknown action.")
        except workflow.TransitionRefused as refused:
            messages.error(request, str(refused))
        return redirect("plans:submit", round_slug, area_slug)
    tasks, findings = task_list(plan)
    sections = [task.section for task in tasks]
    return render(
        request,
        "plans/submit.html",
        {
            "plan": plan,
            "tasks": tasks,
            "findings": [(f, finding_url(plan, f, sections)) for f in findings],
            "errors": [f for f in findings if f.severity == "error"],
            "can_request_sign_off": workflow.allowed(request.user, plan, "request_sign_off"),
            "can_submit": workflow.allowed(request.user, plan, "submit"),
            "can_return_to_draft": workflow.allowed(request.user, plan, "return_to_draft"),
            "can_reopen": workflow.allowed(request.user, plan, "reopen"),
            "incomplete": selectors.incomplete_sections(plan),
            "answers": answers_summary(plan),
            "sign_offs": plan.sign_offs.select_related("role"),
            "versions": plan.versions.all(),
        },
    )


@login_required
def submitted(request, round_slug, area_slug, number):
    """The confirmation after submitting: the version's reference and what happens next."""
    plan, version = _version(request, round_slug, area_slug, number)
    return render(request, "plans/submitted.html", {"plan": plan, "version": version})


@login_required
def versions(request, round_slug, area_slug):
    plan = _plan(request, round_slug, area_slug)
    return render(
        request,
        "plans/versions.html",
        {
            "plan": plan,
            "versions": plan.versions.select_related("submitted_by").prefetch_related(
                Prefetch(
                    "recommendations",
                    Recommendation.objects.filter(is_final=True).select_related("category"),
                    to_attr="decisions",
                ),
            ),
        },
    )


def _version(request, round_slug, area_slug, number):
    plan = _plan(request, round_slug, area_slug)
    return plan, get_object_or_404(PlanVersion, plan=plan, number=number)


@login_required
def version_detail(request, round_slug, area_slug, number):
    plan, version = _version(request, round_slug, area_slug, number)
    version.plan = plan  # its reference reads the round and area already loaded
    return render(
        request,
        "plans/version.html",
        {"plan": plan, "version": version, "doc": as_submitted(version)},
    )


@login_required
def version_changes(request, round_slug, area_slug, number):
    plan, version = _version(request, round_slug, area_slug, number)
    previous = plan.versions.filter(number__lt=number).order_by("-number").first()
    diff = diff_snapshots(previous.snapshot if previous else {}, version.snapshot)
    return render(
        request,
        "plans/version_changes.html",
        {
            "plan": plan,
            "version": version,
            "previous": previous,
            "diff": diff,
            "sections": with_titles(plan.round, diff.sections),
        },
    )


@login_required
def timeline(request, round_slug, area_slug):
    """Workflow events and every field-level change to the plan's content, newest first."""
    plan = _plan(request, round_slug, area_slug)
    return render(
        request,
        "plans/timeline.html",
        {
            "plan": plan,
            "entries": plan_history(plan, limit=300),
        },
    )


@login_required
def assurance_queue(request):
    if not permissions.is_assurance_user(request.user):
        raise PermissionDenied
    rows = selectors.assurance_queue(request.user)
    overdue = overdue_by_plan([row.plan for row in rows])
    mine = request.GET.get("show") == "mine"
    return render(
        request,
        "plans/assurance_queue.html",
        {
            "rows": [(row, overdue.get(row.plan.pk)) for row in rows if row.yours or not mine],
            "mine": mine,
            "waiting_for_you": sum(row.yours for row in rows),
        },
    )
