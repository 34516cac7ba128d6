"""The plan's task list and check page, submission, versions, timeline and the
reviewer's workspace. Every transition is made by assurance.actions; these views only
parse, call and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from plans import permissions
from plans.findings import check_plan
from plans.models import KloeAssessment, PlanVersion, Recommendation
from plans.sections.selectors import FREEZING_STATUSES

from . import actions as workflow
from . import selectors
from .answers import answers_summary
from .history import plan_history
from .snapshot import with_titles
from .tasks import finding_url, section_for_finding, task_list
from .version_diff import diff_snapshots


def _plan(request, round_slug, area_slug):
    return permissions.get_plan_for(request.user, round_slug, area_slug, "view")


@login_required
def plan_overview(request, round_slug, area_slug):
    """The plan's task list: every section of the round with its status."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    tasks, findings = task_list(plan)
    partners = list(plan.narrative.plans.select_related("area").order_by("area__name"))
    return render(
        request,
        "plans/plan_overview.html",
        {
            "plan": plan,
            "tasks": tasks,
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
    """Every finding of the round's rules, each linked to the place to fix it."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    sections = list(plan.round.sections.all())
    findings = check_plan(plan)
    rows = [
        {
            "finding": finding,
            "section": section_for_finding(finding, sections),
            "url": finding_url(plan, finding, sections),
        }
        for finding in sorted(findings, key=lambda f: (f.severity != "error", f.where))
    ]
    return render(request, "plans/check.html", {"plan": plan, "rows": rows})


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
    rows = selectors.assurance_queue(request.user)
    return render(request, "plans/assurance_queue.html", {"rows": rows})


def _review_page(request, plan, posted=None, errors=(), status=200):
    version = selectors.latest_version(plan)
    if version is None:
        raise Http404("The plan has not been submitted.")
    tasks, findings = task_list(plan)
    earlier = selectors.previous_answers(plan, version)
    posted = posted or {}
    kloes = [
        (kloe, history, earlier.get(kloe.pk), posted.get(kloe.pk, {}))
        for kloe, history in selectors.kloe_answers(plan, version)
    ]
    return render(
        request,
        "plans/review.html",
        {
            "plan": plan,
            "version": version,
            "kloes": kloes,
            "errors": list(errors),
            "findings": findings,
            "ratings": KloeAssessment.Rating.choices,
            "outcomes": Recommendation.Outcome.choices,
            "recommendations": version.recommendations.select_related("reviewer"),
            "sections": [t.section for t in tasks],
            "can_review": permissions.can_review(request.user, plan),
            "can_start": workflow.allowed(request.user, plan, "start_assurance"),
            "can_decide": workflow.allowed(request.user, plan, "record_outcome"),
        },
        status=status,
    )


@login_required
def review(request, round_slug, area_slug):
    plan = _plan(request, round_slug, area_slug)
    if not (
        permissions.can_review(request.user, plan) or permissions.is_national_admin(request.user)
    ):
        raise PermissionDenied
    return _review_page(request, plan)


@login_required
@require_POST
def review_answers(request, round_slug, area_slug):
    """The KLOE form: every answer given is saved together, or none. A comment without
    a rating is refused with what was typed kept on the page."""
    plan = _plan(request, round_slug, area_slug)
    if not permissions.can_review(request.user, plan):
        raise PermissionDenied
    ratings = set(KloeAssessment.Rating.values)
    posted, answers, errors = {}, {}, []
    for kloe in plan.round.kloes.all():
        rating = request.POST.get(f"rating-{kloe.pk}", "")
        comment = request.POST.get(f"comment-{kloe.pk}", "")[:5000]
        posted[kloe.pk] = {"rating": rating, "comment": comment}
        if rating in ratings:
            answers[kloe] = (rating, comment)
        elif rating or comment.strip():
            errors.append(
                (f"rating-{kloe.pk}-met", f"{kloe.code}: choose met, partially met or not met")
            )
    if not answers and not errors:
        errors.append(("kloe-form", "Answer at least one key line of enquiry"))
    if errors:
        return _review_page(request, plan, posted, errors, status=400)
    try:
        saved = workflow.answer_kloes(user=request.user, plan=plan, answers=answers)
    except workflow.TransitionRefused as refused:
        return _review_page(request, plan, posted, [("kloe-form", str(refused))], status=400)
    messages.success(request, f"{len(saved)} answer{'s' if len(saved) != 1 else ''} saved.")
    return redirect("plans:review", round_slug, area_slug)


def _posted_id(value):
    """A posted row id as a number, or None when it is not one (so matches nothing)."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


@login_required
@require_POST
def review_action(request, round_slug, area_slug):
    plan = _plan(request, round_slug, area_slug)
    if not permissions.can_review(request.user, plan):
        raise PermissionDenied
    action = request.POST.get("action")
    try:
        if action == "start_assurance":
            workflow.start_assurance(user=request.user, plan=plan)
        elif action == "assess":
            workflow.answer_kloe(
                user=request.user,
                plan=plan,
                kloe=get_object_or_404(plan.round.kloes, pk=_posted_id(request.POST.get("kloe"))),
                rating=request.POST.get("rating", ""),
                comment=request.POST.get("comment", ""),
            )
        elif action == "request_changes":
            chosen = [_posted_id(pk) for pk in request.POST.getlist("sections")]
            sections = list(plan.round.sections.filter(pk__in=chosen))
            if None in chosen or len(sections) != len(set(chosen)):
                raise workflow.TransitionRefused(
                    "Choose the sections to change from the list and give a reason."
                )
            workflow.request_changes(
                user=request.user,
                plan=plan,
                sections=sections,
                reason=request.POST.get("reason", "")[:5000],
            )
        elif action == "outcome":
            workflow.record_outcome(
                user=request.user,
                plan=plan,
                outcome=request.POST.get("outcome", ""),
                conditions=request.POST.get("conditions", "")[:5000],
            )
        else:
            raise Http404("Unknown action.")
        messages.success(request, "Saved.")
    except workflow.TransitionRefused as refused:
        messages.error(request, str(refused))
    return redirect("plans:review", round_slug, area_slug)
