"""The return's Excel template: download it pre-filled, upload it completed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from workbook.safety import MAX_UPLOAD_BYTES, whole_file

from . import importer, selectors
from .excel import build_return_template
from .models import ReturnUpload
from .views import plan_for, sheet_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def download(request, round_slug, area_slug, period_slug):
    plan = plan_for(request, round_slug, area_slug)
    sheet = sheet_for(request, plan, period_slug)
    response = HttpResponse(build_return_template(sheet), content_type=XLSX)
    name = f"bcf-return-{plan.round.slug}-{plan.area.slug}-{sheet.period.slug}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def upload(request, round_slug, area_slug, period_slug):
    plan = plan_for(request, round_slug, area_slug)
    sheet = sheet_for(request, plan, period_slug)
    editable = selectors.can_edit(request.user, plan, sheet.plan_return)
    context = {
        "plan": plan,
        "sheet": sheet,
        "can_edit": editable,
        "limit_mb": MAX_UPLOAD_BYTES // 1_048_576,
        "uploads": ReturnUpload.objects.filter(plan=plan, period=sheet.period).select_related(
            "uploaded_by"
        )[:5],
    }
    if request.method != "POST":
        return render(request, "returns/upload.html", context)
    if not editable:
        raise PermissionDenied
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES + 64 * 1024:
        context["problems"] = [whole_file(f"The file is larger than {context['limit_mb']} MB.")]
        return render(request, "returns/upload.html", context, status=413)
    chosen = request.FILES.get("template")
    if chosen is None:
        context["errors"] = [("template", "Select the completed return template to upload")]
        return render(request, "returns/upload.html", context, status=400)
    record, problems = importer.import_return(
        user=request.user,
        plan=plan,
        period=sheet.period,
        data=chosen.read(MAX_UPLOAD_BYTES + 1),
        filename=chosen.name,
    )
    if problems:
        context |= {"problems": problems, "record": record}
        return render(request, "returns/upload.html", context, status=400)
    if record.change_list:
        shown = "; ".join(record.change_list[:5])
        more = len(record.change_list) - 5
        messages.success(
            request,
            f"Return template imported ({record.reference}): {shown}"
            + (f"; and {more} more" if more > 0 else "")
            + ".",
        )
    else:
        messages.success(
            request,
            f"Return template checked ({record.reference}): it matches the return, so nothing "
            "changed.",
        )
    return redirect(reverse("plans:return", args=[round_slug, area_slug, period_slug]))
