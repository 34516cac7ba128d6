"""The outcome letter as the area downloads it: the plan's latest, or one version's."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from plans import permissions
from plans.models import OutcomeLetter, PlanVersion, Recommendation

from . import letters

NO_OUTCOME = "No outcome has been decided for this plan yet, so there is no outcome letter."
NO_VERSION_OUTCOME = "No outcome was decided on this version of the plan, so it has no letter."


def _letter_response(letter):
    with letter.pdf.open("rb") as stored:
        content = stored.read()
    response = HttpResponse(content, content_type="application/pdf")
    filename = letters.letter_filename(letter.version)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _not_found(request, plan, message):
    context = {"plan": plan, "message": message}
    return render(request, "reports/no_outcome_letter.html", context, status=404)


def _served_letter(recommendations, letters_of):
    """The latest letter among `letters_of`, after building the one for the latest
    final recommendation if its background task has not run yet; None before any
    outcome is decided."""
    decided = recommendations.filter(is_final=True).order_by("-created_at", "-pk").first()
    if decided is None:
        return None
    if letters.letter_for(decided) is None:
        letters.build_letter(decided)
    return letters_of.select_related("version__plan__round", "version__plan__area").latest(
        "created_at", "pk"
    )


@login_required
def outcome_letter(request, round_slug, area_slug):
    """The plan's latest outcome letter, to whoever may see the plan."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    letter = _served_letter(
        Recommendation.objects.filter(version__plan=plan),
        OutcomeLetter.objects.filter(version__plan=plan),
    )
    if letter is None:
        return _not_found(request, plan, NO_OUTCOME)
    return _letter_response(letter)


@login_required
def version_letter(request, round_slug, area_slug, number):
    """The outcome letter for one submitted version of the plan."""
    plan = permissions.get_plan_for(request.user, round_slug, area_slug, "view")
    version = get_object_or_404(PlanVersion, plan=plan, number=number)
    letter = _served_letter(
        Recommendation.objects.filter(version=version),
        OutcomeLetter.objects.filter(version=version),
    )
    if letter is None:
        return _not_found(request, plan, NO_VERSION_OUTCOME)
    return _letter_response(letter)
