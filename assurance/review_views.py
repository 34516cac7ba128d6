"""The assurance workspace of one plan: each hand sees its own part of the round's
process (assessment, moderation, confirmation) and acts through assurance.process.
These views only parse, call and render."""

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from plans import permissions
from plans.models import AssuranceStage, KloeAssessment, OutcomeCategory, Plan, Role

from . import actions as workflow
from . import process, selectors
from .calendar import overdue_by_plan
from .tasks import task_list

StageKind = AssuranceStage.Kind
ROLE_LABELS = dict(Role.Kind.choices)
CONDITION_ROWS = 4


def _plan(request, round_slug, area_slug) -> Plan:
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    if not (
        permissions.can_review(request.user, plan) or permissions.is_national_admin(request.user)
    ):
        raise PermissionDenied
    return plan


def _hand(request, plan, stage) -> str | None:
    """The role the user acts in on this page: `?as=` when they hold two."""
    roles = selectors.acting_roles(request.user, plan, stage)
    wanted = request.GET.get("as") or request.POST.get("as")
    if wanted in roles:
        return wanted
    return roles[0] if roles else None


def _assurer_choices(plan, role):
    return (
        get_user_model()
        .objects.filter(roles__kind=role, roles__region=plan.area.region_id, is_active=True)
        .order_by("last_name", "username")
        .distinct()
    )


def _condition_rows(plan, stage, proposal):
    """[(index, text, due)] for the conditions form: the proposal's conditions when
    confirming it (so the approver need not retype them), then blank rows due by the
    round's resubmission deadline."""
    default = plan.round.deadlines.filter(kind="resubmission").first()
    given = []
    if stage is not None and stage.kind == StageKind.CONFIRM and proposal is not None:
        given = [(c.text, c.due) for c in proposal.condition_items.all()]
    given += [("", default.due if default else None)] * max(CONDITION_ROWS - len(given), 0)
    return [(i, text, due) for i, (text, due) in enumerate(given[:CONDITION_ROWS])]


def _review_page(request, plan, posted=None, errors=(), status=200):
    version = selectors.latest_version(plan)
    if version is None:
        raise Http404("The plan has not been submitted.")
    stage = plan.assurance_stage if plan.assurance_stage_id else None
    hand = _hand(request, plan, stage)
    user_kinds = permissions.assurance_kinds_for(request.user, plan)
    tasks, findings = task_list(plan)
    latest = selectors.latest_answers(version)
    earlier = selectors.previous_answers(plan, version)
    posted = posted or {}
    answering = stage is not None and hand is not None and stage.kind != StageKind.CONFIRM
    done = selectors.assessed_roles(plan, version, stage) if stage is not None else set()
    kloes = [
        (
            kloe,
            latest.get((kloe.pk, hand)) if hand else None,
            earlier.get(kloe.pk),
            posted.get(kloe.pk, {}),
        )
        for kloe in plan.round.kloes.all()
    ]
    sees_both = bool({Role.Kind.MODERATOR, Role.Kind.NATIONAL_APPROVER} & user_kinds) or (
        permissions.is_national_admin(request.user)
    )
    assessing_roles = selectors.assessing_roles(plan)
    assigned = selectors.assignments(plan)
    proposal = selectors.proposal(version)
    return render(
        request,
        "plans/review.html",
        {
            "plan": plan,
            "version": version,
            "stage": stage,
            "stages": selectors.stages_of(plan),
            "hand": hand,
            "hand_label": ROLE_LABELS.get(hand or "", ""),
            "hands": selectors.acting_roles(request.user, plan, stage),
            "role_labels": ROLE_LABELS,
            "kloes": kloes,
            "answering": answering and not (stage.kind == StageKind.ASSESS and hand in done),
            "assessment_done": hand in done,
            "done_roles": [ROLE_LABELS[r] for r in sorted(done)],
            "moderation": selectors.moderation_rows(plan, version) if sees_both else [],
            "assessing_roles": [(r, ROLE_LABELS[r]) for r in assessing_roles],
            "assignments": [(ROLE_LABELS[r], assigned.get(r)) for r in assessing_roles],
            "can_assign": plan.status in (Plan.Status.SUBMITTED, Plan.Status.IN_ASSURANCE)
            and (Role.Kind.MODERATOR in user_kinds or permissions.is_national_admin(request.user)),
            "assurer_choices": [
                (r, ROLE_LABELS[r], _assurer_choices(plan, r)) for r in assessing_roles
            ],
            "errors": list(errors),
            "findings": findings,
            "ratings": KloeAssessment.Rating.choices,
            "categories": plan.round.outcome_categories.all(),
            "proposal": proposal,
            "decision": selectors.decision(plan),
            "condition_rows": _condition_rows(plan, stage, proposal),
            "sections": [t.section for t in tasks],
            "can_start": workflow.allowed(request.user, plan, "start_assurance"),
            "can_escalate": plan.status in process.ESCALATABLE
            and (
                Role.Kind.NATIONAL_APPROVER in user_kinds
                or permissions.is_national_admin(request.user)
            ),
            "overdue": overdue_by_plan([plan]).get(plan.pk),
            "escalations": plan.events.filter(kind="escalated").select_related("actor"),
            "letters": [v for v in plan.versions.prefetch_related("letters")],
        },
        status=status,
    )


@login_required
def review(request, round_slug, area_slug):
    return _review_page(request, _plan(request, round_slug, area_slug))


@login_required
@require_POST
def review_answers(request, round_slug, area_slug):
    """The KLOE form of the user's hand: every answer given is saved together, or none.
    A comment without a rating is refused with what was typed kept on the page."""
    plan = _plan(request, round_slug, area_slug)
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
    stage = plan.assurance_stage if plan.assurance_stage_id else None
    try:
        saved = process.answer_kloes(
            user=request.user, plan=plan, answers=answers, role=_hand(request, plan, stage)
        )
    except workflow.TransitionRefused as refused:
        return _review_page(request, plan, posted, [("kloe-form", str(refused))], status=400)
    messages.success(request, f"{len(saved)} answer{'s' if len(saved) != 1 else ''} saved.")
    return _back(plan, request)


def _back(plan, request):
    response = redirect("plans:review", plan.round.slug, plan.area.slug)
    wanted = request.POST.get("as")
    if wanted:
        response["Location"] += f"?as={wanted}"
    return response


def _posted_id(value):
    """A posted row id as a number, or None when it is not one (so matches nothing)."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _conditions(request, category: OutcomeCategory) -> list[process.ConditionSpec]:
    """The posted conditions, each with its deadline; a condition without a valid
    date is refused rather than given a made-up one."""
    if category.asks != OutcomeCategory.Asks.CONDITIONS:
        return []
    found = []
    for i in range(CONDITION_ROWS):
        text = request.POST.get(f"condition-{i}", "").strip()[:2000]
        due = request.POST.get(f"condition-{i}-due", "").strip()
        if not text:  # each row's date is filled in advance, so a row is its text
            continue
        try:
            when = datetime.date.fromisoformat(due)
        except ValueError:
            raise workflow.TransitionRefused(
                f"Condition {i + 1}: give the date it must be met by, as a real date."
            ) from None
        found.append(process.ConditionSpec(text=text, due=when))
    return found


def _category_posted(request, plan) -> OutcomeCategory:
    category = plan.round.outcome_categories.filter(code=request.POST.get("category", "")).first()
    if category is None:
        raise workflow.TransitionRefused("Choose an outcome category.")
    return category


@login_required
@require_POST
def review_action(request, round_slug, area_slug):
    plan = _plan(request, round_slug, area_slug)
    action = request.POST.get("action")
    user = request.user
    hand = request.POST.get("as") or None
    try:
        if action == "start_assurance":
            workflow.start_assurance(user=user, plan=plan)
            done = "Assurance started."
        elif action == "assign":
            role = request.POST.get("role", "")
            assurer = get_object_or_404(
                get_user_model(), pk=_posted_id(request.POST.get("assurer"))
            )
            process.assign_assurer(user=user, plan=plan, role=role, assurer=assurer)
            done = f"{assurer.get_full_name() or assurer.get_username()} assigned."
        elif action == "assess":
            process.answer_kloe(
                user=user,
                plan=plan,
                kloe=get_object_or_404(plan.round.kloes, pk=_posted_id(request.POST.get("kloe"))),
                rating=request.POST.get("rating", ""),
                comment=request.POST.get("comment", ""),
            )
            done = "Answer saved."
        elif action == "complete":
            process.complete_assessment(user=user, plan=plan, role=hand)
            done = "Your assessment is complete."
        elif action == "request_changes":
            chosen = [_posted_id(pk) for pk in request.POST.getlist("sections")]
            sections = list(plan.round.sections.filter(pk__in=chosen))
            if None in chosen or len(sections) != len(set(chosen)):
                raise workflow.TransitionRefused(
                    "Choose the sections to change from the list and give a reason."
                )
            workflow.request_changes(
                user=user,
                plan=plan,
                sections=sections,
                reason=request.POST.get("reason", "")[:5000],
            )
            done = "Changes requested; the area has been told."
        elif action in ("propose", "confirm"):
            category = _category_posted(request, plan)
            decide = process.propose_outcome if action == "propose" else process.confirm_outcome
            extra = {"reason": request.POST.get("reason", "")[:5000]} if action == "confirm" else {}
            recommendation = decide(
                user=user,
                plan=plan,
                category=category.code,
                conditions=_conditions(request, category),
                support=request.POST.get("support", "")[:5000],
                **extra,
            )
            done = (
                f"Outcome decided: {recommendation.label}. The letter is being prepared."
                if recommendation.is_final
                else f"Proposed: {recommendation.label}. The plan has moved on for confirmation."
            )
        elif action == "escalate":
            process.escalate(user=user, plan=plan, reason=request.POST.get("reason", "")[:5000])
            done = "The plan has been escalated."
        else:
            raise Http404("Unknown action.")
        messages.success(request, done)
    except workflow.TransitionRefused as refused:
        messages.error(request, str(refused))
    return _back(plan, request)
