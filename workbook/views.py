import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from plans import permissions
from plans.models import Round

from . import actions, selectors
from .safety import MAX_UPLOAD_BYTES, whole_file
from .writer import build_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data, filename):
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def plan_template(request, round_slug, area_slug):
    """The template pre-filled with the plan's finance and metrics."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    name = f"bcf-{plan.round.slug}-{plan.area.slug}.xlsx"
    return _xlsx(build_template(plan.round, plan), name)


@login_required
@require_GET
def blank_template(request, round_slug):
    """A blank template for the round: any signed-in user may download it."""
    round_ = get_object_or_404(Round, slug=round_slug)
    return _xlsx(build_template(round_), f"bcf-{round_.slug}-blank.xlsx")


@login_required
def upload(request, round_slug, area_slug):
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    can_edit = actions.can_upload(request.user, plan)
    context = {
        "plan": plan,
        "can_edit": can_edit,
        "uploads": selectors.recent_uploads(plan),
        "limit_mb": MAX_UPLOAD_BYTES // 1_048_576,
    }
    if request.method != "POST":
        return render(request, "workbook/upload.html", context)
    if not can_edit:
        raise PermissionDenied
    # Refuse an oversized body before Django reads it into memory or a temporary file.
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES + 64 * 1024:
        context["problems"] = [whole_file(f"The file is larger than {context['limit_mb']} MB.")]
        return render(request, "workbook/upload.html", context, status=413)
    upload_file = request.FILES.get("template")
    if upload_file is None:
        context["errors"] = [("template", "Select the completed template to upload")]
        return render(request, "workbook/upload.html", context, status=400)
    data = upload_file.read(MAX_UPLOAD_BYTES + 1)
    record, problems = actions.import_template(
        user=request.user, plan=plan, data=data, filename=upload_file.name
    )
    if problems:
        context |= {"problems": problems, "record": record}
        return render(request, "workbook/upload.html", context, status=400)
    if record.changes:
        messages.success(
            request,
            f"Template imported ({record.reference}): "
            f"{record.changes} change{'s' if record.changes != 1 else ''}"
            + (f": {'; '.join(record.change_list[:5])}" if record.change_list else "")
            + (f"; and {len(record.change_list) - 5} more" if len(record.change_list) > 5 else "")
            + ".",
        )
    else:
        messages.success(
            request,
            f"Template checked ({record.reference}): it matches the plan, so nothing changed.",
        )
    return redirect("finance:summary", round_slug, area_slug)


@login_required
@require_GET
def upload_problems_csv(request, round_slug, area_slug, upload_id):
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    record = plan.uploads.filter(pk=upload_id).first()
    if record is None:
        raise Http404("No such upload.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{record.reference}-problems.csv"'
    writer = csv.writer(response)
    writer.writerow(["Tab", "Section", "Cell", "Problem"])
    for row in record.problems:
        writer.writerow([csv_safe(value) for value in row])
    return response


def csv_safe(value):
    """Neutralise text a spreadsheet would run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
