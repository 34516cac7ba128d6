from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import permissions
from .models import Plan


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
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    sections = plan.round.sections.all()
    partner_plans = plan.narrative.plans.select_related("area").order_by("area__name")
    return render(
        request,
        "plans/plan_overview.html",
        {
            "plan": plan,
            "sections": sections,
            "partner_plans": partner_plans,
            "can_edit_narrative": permissions.can_edit_narrative(request.user, plan),
            "can_edit_finance": permissions.can_edit_finance(request.user, plan),
        },
    )


def home(request):
    if request.user.is_authenticated:
        return your_plans(request)
    return HttpResponse(status=302, headers={"Location": "/accounts/login/"})
