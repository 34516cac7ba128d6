"""Plan rules of DESIGN.md section 3 (rules 8 and 9): plain functions over plain data,
registered with the engine at the end of the module."""

from collections.abc import Iterable, Mapping
from datetime import date

from plans.findings import ERROR, Facts, Finding, rule
from plans.models import ConditionAnswer, ConditionQuestion


def risk_scores_valid(
    risks: Iterable[tuple[str, int | None, int | None]], scored: bool
) -> list[Finding]:
    """Rule 8: where a round scores risks, likelihood and impact are both 1-5.

    risks: [(reference, likelihood, impact)]."""
    if not scored:
        return []
    return [
        Finding(
            "risk_scores_valid",
            ERROR,
            f"Risk {ref} needs a likelihood and an impact, each from 1 to 5.",
            f"risks#risk-{ref}",
        )
        for ref, likelihood, impact in risks
        if not (likelihood in range(1, 6) and impact in range(1, 6))
    ]


def sign_offs_complete(
    sign_offs: Iterable[tuple[str, str, bool]], required_roles: Mapping[str, str]
) -> list[Finding]:
    """Rule 9: every required sign-off has a name, position and date.

    sign_offs: [(role slug, organisation, complete)]; required_roles: {slug: title}."""
    findings: list[Finding] = []
    present = {role for role, _org, _done in sign_offs}
    for slug, title in required_roles.items():
        if slug not in present:
            findings.append(
                Finding("sign_offs_complete", ERROR, f"{title}: not signed.", f"sign-off#{slug}")
            )
    for role, organisation, complete in sign_offs:
        if not complete:
            findings.append(
                Finding(
                    "sign_offs_complete",
                    ERROR,
                    f"Sign-off for {organisation} needs a name, position and date.",
                    f"sign-off#{role}",
                )
            )
    return findings


def conditions_confirmed(
    answers: Mapping[str, tuple[bool | None, date | None]],
    questions: Mapping[str, tuple[str, str]],
) -> list[Finding]:
    """Rule 9: every confirmation question answered yes, or not yet with a date.

    answers: {question key: (confirmed, in_place_by)}; questions: {key: (code, text)}."""
    findings: list[Finding] = []
    for key, (code, _text) in questions.items():
        confirmed, by = answers.get(key, (None, None))
        if not confirmed and by is None:
            findings.append(
                Finding(
                    "conditions_confirmed",
                    ERROR,
                    f"National condition {code}: confirm it is met, or give the date it will be.",
                    f"national-conditions#id_q-{key}_1",
                )
            )
    return findings


# Registration: what each rule reads about the plan, and the words the check page uses.


@rule("risk_scores_valid", title="Every risk has a likelihood and an impact from 1 to 5")
def check_risk_scores(facts: Facts) -> list[Finding]:
    plan = facts.plan
    return risk_scores_valid(
        plan.narrative.risks.values_list("reference", "likelihood", "impact"),
        plan.round.risks_scored,
    )


@rule("sign_offs_complete", title="Every required sign-off has a name, position and date")
def check_sign_offs(facts: Facts) -> list[Finding]:
    plan = facts.plan
    return sign_offs_complete(
        [
            (s.role.slug, s.organisation, s.is_complete)
            for s in plan.sign_offs.select_related("role")
        ],
        {r.slug: r.title for r in plan.round.sign_off_roles.all()},
    )


@rule("conditions_confirmed", title="Every national condition is confirmed, or dated")
def check_conditions(facts: Facts) -> list[Finding]:
    plan = facts.plan
    questions = {
        f"{code}-{key}": (code, text)
        for code, key, text in ConditionQuestion.objects.filter(
            condition__round=plan.round_id, answer_type="confirmation", required=True
        ).values_list("condition__code", "key", "text")
    }
    answers = {
        f"{code}-{key}": (confirmed, by)
        for code, key, confirmed, by in ConditionAnswer.objects.filter(
            narrative=plan.narrative_id
        ).values_list("question__condition__code", "question__key", "confirmed", "in_place_by")
    }
    return conditions_confirmed(answers, questions)
