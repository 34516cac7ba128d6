import datetime
from decimal import Decimal

from simple_history.utils import bulk_create_with_history

from finance.models import MinimumAllocation
from plans.models import (
    Area,
    ConditionAnswer,
    ConditionQuestion,
    FinancialYear,
    NarrativeAnswer,
    Plan,
    PlanNarrative,
    RelatedDocument,
    Risk,
    Round,
    Section,
    SignOff,
    SignOffRole,
)


def pounds(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


def year(start):
    return FinancialYear.objects.get(start_year=start)


def create_plans(round_slug, area_slugs, title, status=Plan.Status.DRAFT):
    """One narrative shared by the given areas, and a plan per area."""
    round_ = Round.objects.get(slug=round_slug)
    narrative = PlanNarrative.objects.create(round=round_, title=title)
    return [
        Plan.objects.create(
            round=round_, area=Area.objects.get(slug=slug), narrative=narrative, status=status
        )
        for slug in area_slugs
    ]


def write_narrative(narrative, answers):
    for slug, text in answers.items():
        section = Section.objects.get(round=narrative.round, slug=slug)
        NarrativeAnswer.objects.create(narrative=narrative, section=section, text=text)


def answer_conditions(narrative, answers):
    """answers: {(condition code, question key): value}; a date means 'by then'."""
    for (code, key), value in answers.items():
        question = ConditionQuestion.objects.get(
            condition__round=narrative.round, condition__code=code, key=key
        )
        fields = {}
        if question.answer_type == "confirmation":
            if isinstance(value, datetime.date):
                fields = {"confirmed": False, "in_place_by": value}
            else:
                fields = {"confirmed": bool(value)}
        elif question.answer_type == "percentage":
            fields = {"percentage": Decimal(str(value))}
        elif question.answer_type == "date":
            fields = {"date": value}
        else:
            fields = {"text": value}
        ConditionAnswer.objects.create(narrative=narrative, question=question, **fields)


def set_minimum(area, start_year, kind, amount):
    MinimumAllocation.objects.update_or_create(
        area=area, year=year(start_year), kind=kind, defaults={"amount": pounds(amount)}
    )


def sign(plan, role_slug, organisation, by="", position="", on=None):
    SignOff.objects.create(
        plan=plan,
        role=SignOffRole.objects.get(round=plan.round, slug=role_slug),
        organisation=organisation,
        signed_by=by,
        position=position,
        signed_on=on,
    )


def add_risks(narrative, rows):
    """rows: (reference, rating, description, mitigation), unscored (2014-16 rates them)."""
    bulk_create_with_history(
        [
            Risk(
                narrative=narrative,
                reference=ref,
                rating=rating,
                description=text,
                mitigation=mitigation,
                order=order,
            )
            for order, (ref, rating, text, mitigation) in enumerate(rows)
        ],
        Risk,
    )


def add_documents(narrative, rows):
    """rows: (reference, title, synopsis)."""
    bulk_create_with_history(
        [
            RelatedDocument(
                narrative=narrative, reference=ref, title=title, synopsis=synopsis, order=n
            )
            for n, (ref, title, synopsis) in enumerate(rows)
        ],
        RelatedDocument,
    )
