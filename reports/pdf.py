"""The plan as a PDF a Health and Wellbeing Board would publish: WeasyPrint renders
an HTML template with print CSS into a tagged PDF (PDF/UA-1), with the document
title and language set and headings as bookmarks."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone

from finance.selectors import finance_summary, pooled_budget_by_year
from metrics.charts import data_uri, line_chart
from metrics.selectors import metric_tables
from plans import permissions
from plans.downloads import BuiltFile
from plans.models import ConditionQuestion, NarrativeAnswer
from schemes.selectors import (
    line_count,
    metric_contributions,
    register_totals,
    schemes_with_totals,
)


def plan_document(plan, viewer_plans):
    """Everything the PDF shows for the plan as it is now."""
    sections = list(plan.round.sections.all())
    answers = {
        a.section_id: a.text for a in NarrativeAnswer.objects.filter(narrative=plan.narrative_id)
    }
    questions = (
        ConditionQuestion.objects.filter(condition__round=plan.round_id)
        .select_related("condition")
        .order_by("condition__order", "order")
    )
    given = {a.question_id: a for a in plan.narrative.condition_answers.all()}
    years, schemes = schemes_with_totals(plan)
    totals = register_totals(plan, years)
    tables = metric_tables(plan)
    return {
        "plan": plan,
        "partners": viewer_plans,
        "sections": [(s, answers.get(s.pk, "")) for s in sections if s.kind == "narrative"],
        "conditions": [(q, given.get(q.pk)) for q in questions],
        "finance": finance_summary(plan, viewer_plans),
        "years": years,
        # Each scheme's (recurrent, non-recurrent, total) per year, as 2014-16 plans print.
        "schemes": [(s, _by_year(s.by_year_recurrence, s.by_year)) for s in schemes],
        "scheme_totals": (
            _by_year(totals["by_year_recurrence"], totals["by_year"]),
            totals["total"],
        ),
        # Seed BHR 11.9: which schemes each metric draws on, per HWB of the joint plan.
        "contributions": metric_contributions(list(viewer_plans)),
        "metrics": [(t, data_uri(line_chart(t, chart_id=f"pdf-{t.metric.code}"))) for t in tables],
        "risks": plan.narrative.risks.all(),
        "milestones": plan.narrative.milestones.select_related("year"),
        "hicm": plan.narrative.hicm_assessments.select_related("change", "maturity"),
        "sign_offs": plan.sign_offs.select_related("role"),
        "ccgs": list(plan.area.ccgs.values_list("name", flat=True)),
        "pooled_budget": pooled_budget_by_year(plan),
        "documents": plan.narrative.related_documents.all(),
        "submitted": plan.versions.order_by("-number").first(),
        "is_draft": plan.status in plan.EDITABLE_STATUSES
        or plan.status == plan.Status.AWAITING_SIGN_OFF,
        "generated": timezone.localtime(),
    }


def _by_year(recurrence, by_year):
    """[(recurrent, non-recurrent, total)] per year, nothing spent shown as 0."""
    pairs = zip(recurrence, by_year, strict=True)
    return [(rec or 0, non or 0, total or 0) for (rec, non), total in pairs]


def render_pdf(html, base_url="/"):
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/ua-1")


def plan_pdf(plan, viewer_plans, step=lambda label: None):
    """The PDF bytes; `step(label)` is told as each stage starts (for progress)."""
    step("Gathering the plan's sections, finance and metrics")
    context = plan_document(plan, viewer_plans)
    step("Writing the pages")
    html = render_to_string("plans/pdf/plan.html", context)
    step("Laying out the PDF")
    return render_pdf(html)


def pdf_filename(plan, version=None):
    suffix = f"-v{version}" if version else ""
    return f"bcf-{plan.round.slug}-{plan.area.slug}{suffix}.pdf"


def is_large(plan):
    """Plans whose PDF takes long enough to tie up a web worker are built in the
    background instead (see `settings.PDF_BACKGROUND_MIN_LINES`)."""
    return line_count(plan) >= settings.PDF_BACKGROUND_MIN_LINES


def build_plan_pdf(download, progress):
    """The background builder for `Download.Kind.PLAN_PDF`, for the user who asked."""
    plan, user = download.plan, download.requested_by
    if not permissions.can_view(user, plan):
        raise PermissionDenied(f"{user} may no longer see {plan}")
    progress.begin(3)
    content = plan_pdf(plan, permissions.partner_plans(user, plan), step=progress.step)
    return BuiltFile(content, pdf_filename(plan), "application/pdf")
