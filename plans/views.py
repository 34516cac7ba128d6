from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import permissions
from .checks import check_plan
from .models import Plan
from .sections.tasks import finding_url, section_for_finding, task_list


@require_GET
@never_cache
def healthz(request):
    """200 when the app and its database answer; 503 otherwise. No sign-in needed."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def your_plans(request):
    plans = (
        Plan.objects.for_user(request.user)
        .select_related("round", "area", "area__region", "narrative")
        .order_by("-round__slug", "area__name")
    )
    return render(request, "plans/your_plans.html", {"plans": plans})


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
@never_cache
def keep_alive(request):
    """Touching the session renews it (SESSION_SAVE_EVERY_REQUEST); used by the
    time-out warning's "Stay signed in" button, which also works as a plain link."""
    if request.headers.get("Accept", "").startswith("text/html"):
        return redirect(request.META.get("HTTP_REFERER") or "plans:your-plans")
    return HttpResponse(status=204)


def home(request):
    if request.user.is_authenticated:
        return your_plans(request)
    return HttpResponse(status=302, headers={"Location": "/accounts/login/"})
