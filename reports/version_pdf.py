"""A submitted version as a PDF, drawn from its snapshot alone: the same parts as the
version page (assurance.as_submitted), with the finance tables on landscape pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone

from assurance.as_submitted import as_submitted
from plans import permissions
from plans.models import PlanVersion

from .pdf import pdf_filename, render_pdf


def version_pdf_bytes(plan, version):
    html = render_to_string(
        "reports/version_pdf.html",
        {
            "plan": plan,
            "version": version,
            "doc": as_submitted(version),
            "generated": timezone.localtime(),
        },
    )
    return render_pdf(html)


@login_required
def version_pdf(request, round_slug, area_slug, number):
    """Whoever may see the plan may read each of its versions; an unknown number is 404."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug)
    version = get_object_or_404(PlanVersion, plan=plan, number=number)
    version.plan = plan
    response = HttpResponse(version_pdf_bytes(plan, version), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(plan, number)}"'
    return response
