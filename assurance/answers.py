"""'Check your answers': what each section of the plan says, in a line or a paragraph,
for the summary list before sign-off. A fixed number of queries whatever the size."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.text import Truncator

from finance.models import IncomeLine
from metrics.models import MetricTrajectory
from plans.findings import money
from plans.models import (
    ConditionAnswer,
    ConditionQuestion,
    HighImpactChangeAssessment,
    Milestone,
    NarrativeAnswer,
    Plan,
    RelatedDocument,
    Risk,
    Section,
)
from schemes.models import Scheme

Kind = Section.Kind
WORDS = 60


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def answers_summary(plan: Plan) -> dict[int, str]:
    """{section id: what the section says, or "" where nothing is entered yet}."""
    narrative = plan.narrative_id
    texts = dict(
        NarrativeAnswer.objects.filter(narrative=narrative).values_list("section_id", "text")
    )
    questions = ConditionQuestion.objects.filter(
        condition__round=plan.round_id, answer_type="confirmation"
    ).count()
    confirmed = ConditionAnswer.objects.filter(
        narrative=narrative, question__answer_type="confirmation", confirmed=True
    ).count()
    hicm = HighImpactChangeAssessment.objects.filter(narrative=narrative).aggregate(
        assessed=Count("pk", filter=Q(maturity__isnull=False))
    )["assessed"]
    schemes = Scheme.objects.filter(plan=plan).aggregate(
        count=Count("pk", distinct=True), spend=Sum("expenditure_lines__amount")
    )
    income = IncomeLine.objects.filter(plan=plan).aggregate(total=Sum("amount"))["total"]
    planned = (
        MetricTrajectory.objects.filter(plan=plan, is_plan=True, values__isnull=False)
        .values("metric")
        .distinct()
        .count()
    )
    metrics = plan.round.metrics.count()
    counts = {
        Kind.RELATED_DOCUMENTS: RelatedDocument.objects.filter(narrative=narrative).count(),
        Kind.RISKS: Risk.objects.filter(narrative=narrative).count(),
        Kind.MILESTONES: Milestone.objects.filter(narrative=narrative).count(),
    }
    details = [
        f"Agreed at the board on {plan.date_agreed_at_hwb:%-d %B %Y}"
        if plan.date_agreed_at_hwb
        else "",
        Truncator(plan.boundary_differences).words(25),
    ]
    changes = plan.round.highimpactchange_set.count()
    by_kind: dict[str, str] = {
        Kind.PLAN_DETAILS: "; ".join(part for part in details if part),
        Kind.NATIONAL_CONDITIONS: f"{confirmed} of {questions} confirmed as met"
        if questions
        else "",
        Kind.HICM: f"{hicm} of {changes} changes assessed" if hicm else "",
        Kind.SCHEMES: f"{_count(schemes['count'], 'scheme', 'schemes')}, "
        f"{money(schemes['spend'] or Decimal(0))} planned in all"
        if schemes["count"]
        else "",
        Kind.FINANCE: f"{money(income)} in the pool over the round" if income is not None else "",
        Kind.METRICS: f"{planned} of {metrics} metrics have planned values" if metrics else "",
    }
    for kind, (one, many) in {
        Kind.RELATED_DOCUMENTS: ("document", "documents"),
        Kind.RISKS: ("risk", "risks"),
        Kind.MILESTONES: ("milestone", "milestones"),
    }.items():
        by_kind[kind] = _count(counts[kind], one, many) if counts[kind] else ""
    summary = {}
    for section in plan.round.sections.all():
        if section.kind == Kind.NARRATIVE:
            summary[section.pk] = Truncator(texts.get(section.pk, "")).words(WORDS)
        elif section.kind == Kind.SIGN_OFF:
            summary[section.pk] = ""  # shown in full below the sections
        else:
            summary[section.pk] = by_kind.get(section.kind) or ""
    return summary
