"""The outcome letter: what the national decision on a plan says to the area, drawn
from the submitted version's snapshot (not the plan as it is now), rendered to a PDF
once and kept with the version as an `OutcomeLetter`. The decision's signal queues
the letter in the background; the plan's page can also build it on first request."""

import posixpath

from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from assurance.process import outcome_decided
from plans.models import OutcomeLetter, Plan, PlanEvent, Recommendation

from .pdf import render_pdf

HWB_CHAIR, CCG = "hwb-chair", "ccg"
DATE = "%-d %B %Y"
Outcome = Recommendation.Outcome

# What each effect means, when the round's outcome category does not say.
MEANINGS = {
    Outcome.APPROVED: (
        "The plan meets the national conditions and requirements of the Better Care Fund "
        "for this round. The area may proceed to put the plan into effect as agreed by "
        "the Health and Wellbeing Board."
    ),
    Outcome.APPROVED_WITH_CONDITIONS: (
        "The plan is approved, subject to the conditions set out below. Each condition "
        "must be met by the date shown against it. If a condition is not met by that "
        "date, the plan may be escalated to the national Better Care Fund team."
    ),
    Outcome.NOT_APPROVED: (
        "The plan does not yet meet the national conditions and requirements of the "
        "Better Care Fund for this round, and cannot be approved in its current form."
    ),
}


def _date(value):
    return value.strftime(DATE) if value else ""


def _role_kind(title, slugs):
    """The sign-off role a snapshot row was signed in, from its title: the round's
    own roles first, then the wording, for titles the round no longer has."""
    if title in slugs:
        return slugs[title]
    lowered = title.lower()
    if "health and wellbeing board" in lowered and "chair" in lowered:
        return HWB_CHAIR
    if "clinical commissioning group" in lowered or "ccg" in lowered.split():
        return CCG
    return ""


def addressees(version):
    """The Health and Wellbeing Board chair, then each CCG accountable officer, as
    named in the version's sign-offs; a role signed without a name is addressed by
    its title and organisation."""
    slugs = dict(version.plan.round.sign_off_roles.values_list("title", "slug"))
    found = {HWB_CHAIR: [], CCG: []}
    for row in version.snapshot.get("sign_offs", []):
        title = row.get("role_title", "")
        kind = _role_kind(title, slugs)
        if kind not in found:
            continue
        organisation = row.get("organisation", "").strip()
        if kind == HWB_CHAIR:
            office = "Chair"
            if "health and wellbeing board" not in organisation.lower():
                organisation = f"{organisation} Health and Wellbeing Board".strip()
        else:
            office = "Accountable Officer"
        name = row.get("signed_by", "").strip()
        found[kind].append(
            {"name": name, "office": office if name else title, "organisation": organisation}
        )
    return found[HWB_CHAIR] + found[CCG]


def _signatory(user):
    if user is None:
        return "The national Better Care Fund team"
    return user.get_full_name().strip() or user.username


def _resubmission_due(round_, decided_on):
    """The round's resubmission deadline: the first on or after the decision, else
    the last one it has (a round normally has one); None if it has none."""
    dates = list(
        round_.deadlines.filter(kind="resubmission").order_by("due").values_list("due", flat=True)
    )
    return next((due for due in dates if due >= decided_on), dates[-1] if dates else None)


def letter_context(recommendation):
    """Everything the letter says about the decision, as plain values."""
    version = recommendation.version
    plan, snapshot = version.plan, version.snapshot
    category = recommendation.category
    people = addressees(version)
    named = [p["name"] for p in people if p["name"]]
    decided_on = timezone.localtime(recommendation.created_at).date()
    resubmission = None
    if recommendation.outcome == Outcome.NOT_APPROVED:
        resubmission = _resubmission_due(plan.round, decided_on)
    area = snapshot.get("plan", {}).get("area_name") or plan.area.name
    return {
        "title": f"{area} Better Care Fund plan {plan.round.name}: outcome letter",
        "date": _date(decided_on),
        "reference": version.reference,
        "area": area,
        "round": plan.round.name,
        "version_number": version.number,
        "submitted": _date(timezone.localtime(version.submitted_at).date()),
        "addressees": people,
        "salutation": f"Dear {named[0]}" if len(people) == 1 and named else "Dear colleagues",
        "outcome": recommendation.label,
        "effect": recommendation.outcome,
        "meaning": (category.description.strip() if category else "")
        or MEANINGS[recommendation.outcome],
        "conditions": [
            {"number": i, "text": c.text, "due": _date(c.due)}
            for i, c in enumerate(recommendation.condition_items.all(), start=1)
        ],
        "conditions_text": recommendation.conditions.strip(),
        "support": recommendation.support.strip(),
        "not_approved": recommendation.outcome == Outcome.NOT_APPROVED,
        "resubmission": _date(resubmission),
        "signatory": _signatory(recommendation.reviewer),
    }


def letter_filename(version):
    return f"{version.reference}-outcome.pdf"


def render_letter(recommendation):
    html = render_to_string("reports/outcome_letter.html", letter_context(recommendation))
    return render_pdf(html)


def _existing(recommendation_id):
    return OutcomeLetter.objects.filter(recommendation=recommendation_id).first()


def build_letter(recommendation):
    """The recommendation's letter, built and stored the first time it is asked for.
    The PDF is rendered outside the transaction; the row, and the plan event that
    records it, are written under a lock on the recommendation, so two builds at
    once keep one letter."""
    existing = _existing(recommendation.pk)
    if existing is not None:
        return existing
    content = render_letter(recommendation)
    version = recommendation.version
    with transaction.atomic():
        Recommendation.objects.select_for_update().filter(pk=recommendation.pk).first()
        existing = _existing(recommendation.pk)
        if existing is not None:
            return existing
        letter = OutcomeLetter(version=version, recommendation=recommendation)
        letter.pdf.save(letter_filename(version), ContentFile(content), save=False)
        letter.save()
        plan = Plan.objects.get(pk=version.plan_id)
        PlanEvent.objects.create(
            plan=plan,
            kind=PlanEvent.Kind.LETTER_ISSUED,
            actor=None,
            from_status=plan.status,
            to_status=plan.status,
            version=version,
            note=posixpath.basename(letter.pdf.name),
        )
    return letter


def letter_for(recommendation):
    """The recommendation's letter if it has one, else None (no query if prefetched)."""
    try:
        return recommendation.letter
    except OutcomeLetter.DoesNotExist:
        return None


@task(queue_name="default")
def issue_letter(recommendation_id):
    """The background task the decision queues: build and keep the letter."""
    recommendation = Recommendation.objects.select_related(
        "version__plan__round", "version__plan__area", "category", "reviewer"
    ).get(pk=recommendation_id)
    return build_letter(recommendation).pdf.name


def queue_letter(sender, recommendation, **kwargs):
    """Receiver of `assurance.process.outcome_decided` (connected in apps.py)."""
    if recommendation.is_final:
        issue_letter.enqueue(recommendation.pk)


def connect():
    outcome_decided.connect(queue_letter, dispatch_uid="reports.letters.queue_letter")
