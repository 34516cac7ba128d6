"""The plan's PDFs: as it is now (large plans go to the background), and as submitted."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect

from plans import permissions

from . import pdf


def _plan(request, round_slug, area_slug):
    return permissions.get_plan_for(request.user, round_slug, area_slug, "view")


@login_required
def plan_pdf(request, round_slug, area_slug):
    """The plan as it is now, as a PDF (watermarked "Draft" until submitted). Large
    plans are built in the background: this sends the reader to ask for that."""
    plan = _plan(request, round_slug, area_slug)
    if pdf.is_large(plan):
        return redirect("plans:prepare-pdf", plan.round.slug, plan.area.slug)
    content = pdf.plan_pdf(plan, permissions.partner_plans(request.user, plan))
    return _pdf_response(content, pdf.pdf_filename(plan))


def _pdf_response(content, filename):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
