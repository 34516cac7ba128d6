"""The progress report to the Health and Wellbeing Board for one return: metrics
against plan, spending, milestones and the narrative, as a PDF (WeasyPrint, through
reports.pdf like the plan's)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from metrics.charts import data_uri, line_chart
from reports.pdf import render_pdf

from . import views


def report_html(sheet) -> str:
    charts = {
        block.metric.pk: data_uri(line_chart(block.table, chart_id=f"pdf-{block.metric.code}"))
        for block in sheet.metrics
        if block.table.plan
    }
    return render_to_string(
        "returns/report_pdf.html",
        {
            "sheet": sheet,
            "plan": sheet.plan,
            "blocks": [(b, charts.get(b.metric.pk, "")) for b in sheet.metrics],
            "performance_totals": sheet.performance_totals(),
            "generated": timezone.localtime(),
        },
    )


@login_required
@require_GET
def report_pdf(request, round_slug, area_slug, period_slug):
    plan = views.plan_for(request, round_slug, area_slug)
    sheet = views.sheet_for(request, plan, period_slug)
    response = HttpResponse(render_pdf(report_html(sheet)), content_type="application/pdf")
    name = f"bcf-{plan.round.slug}-{plan.area.slug}-{sheet.period.slug}-progress-report.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
