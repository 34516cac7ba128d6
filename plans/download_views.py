"""Asking for a file to be prepared in the background, watching it, and fetching it."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from . import permissions
from .downloads import request_download, settle_lost
from .models import Download


def _download(request, download_id):
    """Only the person who asked sees a download; anyone else gets 404."""
    found = get_object_or_404(
        Download.objects.for_user(request.user).select_related("plan__round", "plan__area"),
        pk=download_id,
    )
    return settle_lost(found)


@login_required
def prepare_pdf(request, round_slug, area_slug):
    """GET explains and offers the button; POST queues the build."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    if request.method == "POST":
        return redirect(request_download(request.user, Download.Kind.PLAN_PDF, plan))
    return render(request, "plans/prepare_pdf.html", {"plan": plan})


@login_required
@require_GET
def your_downloads(request):
    downloads = Download.objects.for_user(request.user).select_related("plan__round", "plan__area")[
        :50
    ]
    return render(
        request,
        "plans/downloads.html",
        {"downloads": downloads, "retention_days": settings.DOWNLOAD_RETENTION_DAYS},
    )


@login_required
@require_GET
def download(request, download_id):
    return render(
        request,
        "plans/download.html",
        {
            "download": _download(request, download_id),
            "retention_days": settings.DOWNLOAD_RETENTION_DAYS,
        },
    )


@login_required
@require_GET
def download_status(request, download_id):
    """What the progress page polls (enhancement only; the page works without it)."""
    found = _download(request, download_id)
    ready = found.status == Download.Status.READY
    return JsonResponse(
        {
            "status": found.status,
            "status_label": found.get_status_display(),
            "percent": found.percent,
            "step": found.step_label,
            "error": found.error,
            "file_url": reverse("download-file", args=[found.pk]) if ready else None,
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
@require_GET
def download_file(request, download_id):
    found = _download(request, download_id)
    if found.status != Download.Status.READY:
        raise Http404("This file is not ready.")
    if found.plan is not None and not permissions.can_view(request.user, found.plan):
        raise Http404  # access to the plan was withdrawn since the file was made
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=found.kind != Download.Kind.PLAN_PDF,
        filename=found.filename,
        content_type=found.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
