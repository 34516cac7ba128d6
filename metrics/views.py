from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from plans import permissions

from . import services


@login_required
def plan_metrics(request, round_slug, area_slug):
    """Each metric of the round with the plan's baseline and planned values per period."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    return render(
        request,
        "metrics/plan_metrics.html",
        {"plan": plan, "metrics": services.metric_tables(plan)},
    )
