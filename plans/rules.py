"""Plan rules of DESIGN.md section 3 (rules 8 and 9), as functions over plain data."""

from plans.findings import ERROR, Finding


def risk_scores_valid(risks, scored):
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


def sign_offs_complete(sign_offs, required_roles):
    """Rule 9: every required sign-off has a name, position and date.

    sign_offs: [(role slug, organisation, complete)]; required_roles: {slug: title}."""
    findings = []
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


def conditions_confirmed(answers, questions):
    """Rule 9: every confirmation question answered yes, or not yet with a date.

    answers: {question key: (confirmed, in_place_by)}; questions: {key: (code, text)}."""
    findings = []
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
