"""The whole plan as plain JSON: what a submitted version keeps forever, and what
version differences are computed from. A fixed number of queries per plan."""

from finance.models import IncomeLine
from metrics.models import (
    MetricComponent,
    MetricComponentValue,
    MetricDefinition,
    MetricPlanValue,
    MetricTrajectory,
)
from plans.models import (
    ConditionAnswer,
    ConditionQuestion,
    FundingSource,
    HighImpactChangeAssessment,
    Milestone,
    NarrativeAnswer,
    RelatedDocument,
    Risk,
    Section,
    SignOff,
)
from schemes.models import ExpenditureLine, Scheme


def _text(value):
    return "" if value is None else str(value)


def _rows(queryset, *fields, **paths):
    """Rows as {name: text}: plain fields by name, others as name=lookup path."""
    columns = {**{name: name for name in fields}, **paths}
    return [
        {key: _text(value) for key, value in zip(columns, row, strict=True)}
        for row in queryset.values_list(*columns.values())
    ]


def round_wording(round_id):
    """The round's wording and lists a version is read with: section titles, condition
    questions, funding sources and metric names, kept in the snapshot so the version
    reads the same whatever the round's reference data becomes. (New top-level keys
    only: the rows version_diff compares keep exactly the fields they had.)"""
    return {
        "section_titles": dict(
            Section.objects.filter(round=round_id).order_by("order").values_list("slug", "title")
        ),
        "condition_questions": _rows(
            ConditionQuestion.objects.filter(condition__round=round_id).order_by(
                "condition__order", "order"
            ),
            "text",
            "answer_type",
            condition="condition__code",
            condition_title="condition__title",
            question="key",
        ),
        "funding_sources": list(
            FundingSource.objects.filter(round=round_id)
            .order_by("order")
            .values_list("name", flat=True)
        ),
        "metric_definitions": _rows(
            MetricDefinition.objects.filter(round=round_id).order_by("order"),
            "code",
            "name",
            "unit",
            "rate_base",
            "granularity",
            "numerator_label",
            "denominator_label",
        ),
        "metric_component_names": _rows(
            MetricComponent.objects.filter(metric__round=round_id).order_by(
                "metric__order", "order"
            ),
            "code",
            "name",
            metric="metric__code",
        ),
    }


def take_snapshot(plan):
    narrative = plan.narrative_id
    return {
        "plan": {
            "round": plan.round.slug,
            "area": plan.area.slug,
            "area_name": plan.area.name,
            "title": plan.narrative.title,
            "status": plan.status,
            "boundary_differences": plan.boundary_differences,
            "date_agreed_at_hwb": _text(plan.date_agreed_at_hwb),
            "round_name": plan.round.name,
            "ccgs": list(plan.area.ccgs.order_by("name").values_list("name", flat=True)),
            "risks_scored": plan.round.risks_scored,
        },
        **round_wording(plan.round_id),
        "trajectories": _rows(
            MetricTrajectory.objects.filter(plan=plan).order_by(
                "metric__order", "-is_plan", "name"
            ),
            "name",
            "is_plan",
            metric="metric__code",
        ),
        "sections": {
            row["section__slug"]: row["text"]
            for row in NarrativeAnswer.objects.filter(narrative=narrative)
            .order_by("section__order")
            .values("section__slug", "text")
        },
        "sign_offs": _rows(
            SignOff.objects.filter(plan=plan).order_by("role__order", "organisation"),
            "organisation",
            "signed_by",
            "position",
            "signed_on",
            role_title="role__title",
        ),
        "conditions": _rows(
            ConditionAnswer.objects.filter(narrative=narrative).order_by(
                "question__condition__order", "question__order"
            ),
            "confirmed",
            "in_place_by",
            "text",
            "percentage",
            "date",
            condition="question__condition__code",
            question="question__key",
        ),
        "risks": _rows(
            Risk.objects.filter(narrative=narrative),
            "reference",
            "description",
            "likelihood",
            "impact",
            "mitigation",
            "rating",
        ),
        "milestones": _rows(
            Milestone.objects.filter(narrative=narrative),
            "reference",
            "action",
            "description",
            "due_date",
            "due_note",
        ),
        "hicm": _rows(
            HighImpactChangeAssessment.objects.filter(narrative=narrative),
            "maturity_note",
            "actions",
            "due",
            "success_measures",
            change="change__name",
            maturity="maturity__name",
        ),
        "related_documents": _rows(
            RelatedDocument.objects.filter(narrative=narrative),
            "reference",
            "title",
            "synopsis",
            "link",
        ),
        "schemes": _rows(
            Scheme.objects.filter(plan=plan).order_by("order", "code"),
            "code",
            "name",
            "theme",
            "scheme_type_other",
            "description",
            "objectives",
            "lead_provider",
            "joint_lead_provider",
            scheme_type="scheme_type__name",
        ),
        "income": _rows(
            IncomeLine.objects.filter(plan=plan).order_by("year", "source__order"),
            "amount",
            source="source__name",
            year="year__start_year",
        ),
        "expenditure": _rows(
            ExpenditureLine.objects.filter(scheme__plan=plan).order_by(
                "scheme__order", "scheme__code", "year", "source__order", "pk"
            ),
            "amount",
            "nhs_share",
            "la_share",
            "provider",
            "recurrence",
            scheme="scheme__code",
            source="source__name",
            year="year__start_year",
            area_of_spend="area_of_spend__name",
            commissioner="commissioner__name",
            provider_type="provider_type__name",
        ),
        "metrics": _rows(
            MetricPlanValue.objects.filter(trajectory__plan=plan).order_by(
                "trajectory__metric__order", "trajectory__name", "period__order"
            ),
            "value",
            "numerator",
            "denominator",
            metric="trajectory__metric__code",
            trajectory="trajectory__name",
            period="period__label",
        ),
        "metric_components": _rows(
            MetricComponentValue.objects.filter(trajectory__plan=plan).order_by(
                "trajectory__metric__order", "trajectory__name", "period__order", "component__order"
            ),
            "value",
            metric="trajectory__metric__code",
            trajectory="trajectory__name",
            period="period__label",
            component="component__code",
        ),
    }


def with_titles(round_, by_slug):
    """[(section title, value)] for (section slug, value) pairs kept in a snapshot or a
    difference; a slug the round no longer has is shown as it is."""
    titles = dict(round_.sections.values_list("slug", "title"))
    return [(titles.get(slug, slug), value) for slug, value in by_slug]
