"""Submission, versions, timeline and the reviewer's workspace. Every transition is
made by plans.workflow; these views only parse, call and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import permissions, workflow
from .history import plan_history
from .models import KloeAssessment, PlanVersion, Recommendation
from .sections.tasks import finding_url, task_list
from .snapshot import with_titles
from .version_diff import diff_snapshots


def _plan(request, round_slug, area_slug):
    return permissions.get_plan_for(request.user, round_slug, area_slug, "view")


@login_required
def submit(request, round_slug, area_slug):
    """Check your answers, then send for sign-off or submit."""
    plan = _plan(request, round_slug, area_slug)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "request_sign_off":
                workflow.request_sign_off(plan, request.user)
                messages.success(request, "The plan has been sent for sign-off.")
            elif action == "submit":
                version = workflow.submit(
                    plan, request.user, certified=request.POST.get("certified") == "yes"
                )
                messages.success(request, f"Plan submitted as version {version.number}.")
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
            "sign_offs": plan.sign_offs.select_related("role"),
            "versions": plan.versions.all(),
        },
    )


@login_required
def versions(request, round_slug, area_slug):
    plan = _plan(request, round_slug, area_slug)
    return render(
        request,
        "plans/versions.html",
        {
            "plan": plan,
            "versions": plan.versions.select_related("submitted_by"),
        },
    )


def _version(request, round_slug, area_slug, number):
    plan = _plan(request, round_slug, area_slug)
    return plan, get_object_or_404(PlanVersion, plan=plan, number=number)


@login_required
def version_detail(request, round_slug, area_slug, number):
    plan, version = _version(request, round_slug, area_slug, number)
    snapshot = version.snapshot
    return render(
        request,
        "plans/version.html",
        {
            "plan": plan,
            "version": version,
            "snapshot": snapshot,
            "sections": with_titles(plan.round, snapshot["sections"].items()),
        },
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
    role = permissions.role_of(request.user)
    if not (
        permissions.is_national_admin(request.user)
        or (role is not None and role.kind == role.Kind.REVIEWER)
    ):
        raise PermissionDenied
    plans = (
        permissions.visible_plans(request.user)
        .filter(status__in=permissions.REVIEWABLE_STATUSES)
        .select_related("round", "area", "area__region")
        .annotate(
            last_submitted=Max("versions__submitted_at"), version_count=Max("versions__number")
        )
        .order_by("last_submitted")
    )
    now = timezone.now()
    rows = [(p, (now - p.last_submitted).days if p.last_submitted else None) for p in plans]
    return render(request, "plans/assurance_queue.html", {"rows": rows})


@login_required
def review(request, round_slug, area_slug):
    plan = _plan(request, round_slug, area_slug)
    if not (
        permissions.can_review(request.user, plan) or permissions.is_national_admin(request.user)
    ):
        raise PermissionDenied
    version = plan.versions.order_by("-number").first()
    if version is None:
        raise Http404("The plan has not been submitted.")
    kloes = list(plan.round.kloes.select_related("section"))
    history = {}
    for assessment in KloeAssessment.objects.filter(version=version).select_related("reviewer"):
        history.setdefault(assessment.kloe_id, []).append(assessment)
    tasks, findings = task_list(plan)
    return render(
        request,
        "plans/review.html",
        {
            "plan": plan,
            "version": version,
            "kloes": [(k, history.get(k.pk, [])) for k in kloes],
            "findings": findings,
            "ratings": KloeAssessment.Rating.choices,
            "outcomes": Recommendation.Outcome.choices,
            "recommendations": version.recommendations.select_related("reviewer"),
            "sections": [t.section for t in tasks],
            "can_review": permissions.can_review(request.user, plan),
            "can_start": workflow.allowed(request.user, plan, "start_assurance"),
            "can_decide": workflow.allowed(request.user, plan, "record_outcome"),
        },
    )


@login_required
@require_POST
def review_action(request, round_slug, area_slug):
    plan = _plan(request, round_slug, area_slug)
    if not permissions.can_review(request.user, plan):
        raise PermissionDenied
    action = request.POST.get("action")
    try:
        if action == "start_assurance":
            workflow.start_assurance(plan, request.user)
        elif action == "assess":
            version = workflow.latest_version(plan)
            kloe = get_object_or_404(plan.round.kloes, pk=request.POST.get("kloe"))
            rating = request.POST.get("rating")
            if rating not in KloeAssessment.Rating.values:
                raise workflow.TransitionRefused("Choose met, partially met or not met.")
            workflow.record_assessment(
                version, kloe, request.user, rating, request.POST.get("comment", "")[:5000]
            )
        elif action == "request_changes":
            sections = list(plan.round.sections.filter(pk__in=request.POST.getlist("sections")))
            workflow.request_changes(
                plan, request.user, sections, request.POST.get("reason", "")[:5000]
            )
        elif action == "outcome":
            outcome = request.POST.get("outcome")
            if outcome not in Recommendation.Outcome.values:
                raise workflow.TransitionRefused("Choose an outcome.")
            workflow.record_outcome(
                plan, request.user, outcome, request.POST.get("conditions", "")[:5000]
            )
        else:
            raise Http404("Unknown action.")
        messages.success(request, "Saved.")
    except workflow.TransitionRefused as refused:
        messages.error(request, str(refused))
    return redirect("plans:review", round_slug, area_slug)


@login_required
def plan_pdf(request, round_slug, area_slug):
    """The plan as it is now, as a PDF (watermarked "Draft" until submitted). Large
    plans are built in the background: this sends the reader to ask for that."""
    from . import pdf

    plan = _plan(request, round_slug, area_slug)
    if pdf.is_large(plan):
        return redirect("plans:prepare-pdf", plan.round.slug, plan.area.slug)
    content = pdf.plan_pdf(plan, permissions.partner_plans(request.user, plan))
    return _pdf_response(content, pdf.pdf_filename(plan))


def _pdf_response(content, filename):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def version_pdf(request, round_slug, area_slug, number):
    from .pdf import pdf_filename
    from .pdf import version_pdf as render

    plan, version = _version(request, round_slug, area_slug, number)
    return _pdf_response(render(version), pdf_filename(plan, number))
