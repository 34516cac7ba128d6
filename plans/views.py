from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import sessions
from .http import back_or
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
@never_cache
def keep_alive(request):
    """Renews the session's expiry now, whenever it was last renewed; used by the
    time-out warning's "Stay signed in" button, which also works as a plain link."""
    sessions.refresh(request.session)
    if request.headers.get("Accept", "").startswith("text/html"):
        return redirect(back_or(request, reverse("plans:your-plans")))
    return HttpResponse(status=204)


def home(request):
    if request.user.is_authenticated:
        return your_plans(request)
    return HttpResponse(status=302, headers={"Location": "/accounts/login/"})
