"""/reference/: reference data national administrators keep, starting with the list
of clinical commissioning groups and the HWBs each serves (uploaded as CSV)."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from plans.models.access import is_national_admin

from . import actions, selectors
from .ccgs import MAX_BYTES, Problem, read_ccg_file
from .forms import CcgUploadForm

SESSION_KEY = "people.ccg_upload"
TEMPLATE = "people/ccg_import.html"


def _require_admin(user):
    if not is_national_admin(user):
        raise PermissionDenied


def _context(**extra):
    return {
        "limit_mb": MAX_BYTES // 1024 // 1024,
        "ccgs": selectors.recorded_ccgs(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def ccgs(request):
    """Upload a CCG file: every problem at once, or a preview of what would change."""
    _require_admin(request.user)
    if request.method != "POST":
        return render(request, TEMPLATE, _context(form=CcgUploadForm()))
    # Refuse an oversized body before Django reads it into memory or a temporary file.
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES + 64 * 1024:
        problems = [Problem(0, "", f"The file is larger than {MAX_BYTES // 1024 // 1024} MB")]
        return render(
            request, TEMPLATE, _context(form=CcgUploadForm(), problems=problems), status=413
        )
    form = CcgUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [("id_file", message) for message in form.errors.get("file", [])]
        return render(request, TEMPLATE, _context(form=form, errors=errors), status=400)
    upload = form.cleaned_data["file"]
    data = upload.read(MAX_BYTES + 1)
    rows, problems = read_ccg_file(data)
    if problems:
        return render(
            request,
            TEMPLATE,
            _context(form=CcgUploadForm(), problems=problems, filename=upload.name),
            status=400,
        )
    changes = selectors.ccg_changes(rows)
    # The checked text waits in the session for the confirm step (at most 1 MB).
    request.session[SESSION_KEY] = {
        "text": data.decode("utf-8-sig"),
        "name": upload.name[:200],
        "sha": hashlib.sha256(data).hexdigest(),
    }
    return render(
        request,
        TEMPLATE,
        _context(
            form=CcgUploadForm(),
            changes=changes,
            filename=upload.name,
            sha=request.session[SESSION_KEY]["sha"],
        ),
    )


@login_required
@require_POST
def confirm_ccgs(request):
    """Write the previewed file, all or nothing."""
    _require_admin(request.user)
    held = request.session.get(SESSION_KEY)
    if not held or held.get("sha") != request.POST.get("sha"):
        messages.error(request, "Upload the file again: its preview has expired.")
        return redirect("reference:ccgs")
    data = held["text"].encode("utf-8")
    try:
        changes = actions.import_ccgs(
            user=request.user, data=data, expected=request.POST.get("digest", "")
        )
    except actions.CcgImportRefused as refused:
        return render(
            request,
            TEMPLATE,
            _context(
                form=CcgUploadForm(),
                problems=refused.problems,
                changes=refused.changes,
                filename=held["name"],
                sha=held["sha"],
            ),
            status=409 if refused.changes else 400,
        )
    del request.session[SESSION_KEY]
    messages.success(
        request,
        f"CCGs imported from {held['name']}: {len(changes.new)} new, "
        f"{len(changes.changed)} changed, {changes.unchanged} unchanged.",
    )
    return redirect("reference:ccgs")
