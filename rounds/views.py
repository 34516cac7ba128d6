"""/rounds/: national administrators manage planning rounds (their plans, calendar,
opening and the nationally set minimums); an area's commissioner starts their own
area's plan. Each view parses, asks a selector or calls an action, and renders."""

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from finance.models import MinimumAllocation
from plans.models import Area, Plan, Round, RoundDeadline
from plans.ui import error_summary
from workbook.views import csv_safe

from . import actions, selectors
from .allocations import MAX_BYTES, Problem, whole
from .forms import (
    AllocationUploadForm,
    AreaFilterForm,
    DeadlineForm,
    NewDeadlineForm,
    StartOwnPlanForm,
    StartPlansForm,
)
from .models import AllocationUpload

ALLOCATIONS = "rounds/allocations.html"
NAMES_SHOWN = 8


def _require_admin(user):
    if not selectors.can_manage_rounds(user):
        raise PermissionDenied


def _round(round_slug):
    return get_object_or_404(Round.objects.prefetch_related("years"), slug=round_slug)


def _names(items):
    names = [getattr(item, "name", str(item)) for item in items]
    shown = ", ".join(names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


@login_required
@require_GET
def round_list(request):
    _require_admin(request.user)
    return render(request, "rounds/round_list.html", {"rounds": selectors.rounds_overview()})


def _detail_context(round_, filters, **extra):
    values = filters.values()
    return {
        "round": round_,
        "years": [year.label for year in round_.years.all()],
        "filters": filters,
        "filtered": any(values.values()),
        "query": urlencode(
            {k: v for k, v in filters.data.items() if k in ("region", "plan") and v}
        ),
        "areas": selectors.round_areas(round_, **values),
        "deadlines": selectors.calendar(round_),
        "allocations": selectors.allocations_recorded(round_),
        **extra,
    }


@login_required
@require_GET
def round_detail(request, round_slug):
    """Every HWB with its plan for the round, and what administrators do with it."""
    _require_admin(request.user)
    round_ = _round(round_slug)
    filters = AreaFilterForm(request.GET, regions=list(selectors.regions()))
    return render(request, "rounds/round_detail.html", _detail_context(round_, filters))


def _back_to_detail(round_, post):
    query = urlencode(
        {k: post.get(f"return_{k}") for k in ("region", "plan") if post.get(f"return_{k}")}
    )
    url = reverse("rounds:detail", args=[round_.slug])
    # No fragment: the page opens at its top, where the banner says what happened.
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def start_plans(request, round_slug):
    """Start plans for the chosen areas, for every area without one, or one joint plan
    for the chosen areas."""
    _require_admin(request.user)
    round_ = _round(round_slug)
    form = StartPlansForm(request.POST)
    if not form.is_valid():
        filters = AreaFilterForm(
            {k: request.POST.get(f"return_{k}", "") for k in ("region", "plan")},
            regions=list(selectors.regions()),
        )
        context = _detail_context(
            round_,
            filters,
            start_form=form,
            errors=error_summary(form, fallback="areas"),
            chosen={area.slug for area in form.cleaned_data.get("areas") or []},
        )
        return render(request, "rounds/round_detail.html", context, status=400)
    action = form.cleaned_data["action"]
    try:
        if action == form.JOINT:
            started = actions.start_joint_plan(
                user=request.user,
                round_=round_,
                areas=form.cleaned_data["areas"],
                title=form.cleaned_data["title"],
            )
        else:
            chosen = form.cleaned_data["areas"] if action == form.CHOSEN else Area.objects.all()
            started = actions.start_plans(user=request.user, round_=round_, areas=chosen)
    except actions.StartRefused as refused:
        messages.error(request, str(refused))
        return _back_to_detail(round_, request.POST)
    count = len(started.plans)
    if action == form.JOINT:
        messages.success(
            request,
            f"Joint plan “{started.plans[0].narrative.title}” started for "
            f"{_names(p.area for p in started.plans)}.",
        )
    elif count:
        skipped = ""
        if started.skipped and action == form.CHOSEN:
            had = "a plan" if len(started.skipped) == 1 else "plans"
            skipped = f" {_names(started.skipped)} already had {had}."
        messages.success(
            request,
            f"{count} plan{'s' if count != 1 else ''} started: "
            f"{_names(p.area for p in started.plans)}.{skipped}",
        )
    else:
        messages.success(
            request, "No plans started: every chosen area already has a plan for this round."
        )
    return _back_to_detail(round_, request.POST)


@login_required
@require_POST
def set_open(request, round_slug):
    _require_admin(request.user)
    round_ = _round(round_slug)
    is_open = request.POST.get("is_open") == "yes"
    actions.set_round_open(user=request.user, round_=round_, is_open=is_open)
    if is_open:
        messages.success(request, f"{round_.name} is open: areas may start and edit plans.")
    else:
        messages.success(request, f"{round_.name} is closed: areas cannot start new plans.")
    return redirect("rounds:detail", round_.slug)


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request, round_slug):
    """The round's dates: change each one's name, date and reminders; add one."""
    _require_admin(request.user)
    round_ = _round(round_slug)
    deadlines = list(selectors.calendar(round_))
    data = request.POST if request.method == "POST" else None
    forms = [
        DeadlineForm(
            data,
            prefix=f"d{deadline.pk}",
            initial={
                "label": deadline.label,
                "due": deadline.due,
                "remind_days_before": deadline.remind_days_before,
            },
            legend=deadline.get_kind_display()
            + (f": {deadline.stage.name}" if deadline.stage else ""),
        )
        for deadline in deadlines
    ]
    new = NewDeadlineForm(
        data,
        prefix="new",
        round_=round_,
        initial={"remind_days_before": 7, "kind": RoundDeadline.Kind.MILESTONE},
    )
    context = {"round": round_, "rows": list(zip(deadlines, forms, strict=True)), "new": new}
    if data is None:
        return render(request, "rounds/calendar.html", context)
    valid = all(form.is_valid() for form in forms) & new.is_valid()
    if not valid:
        errors = [e for form in [*forms, new] for e in error_summary(form)]
        return render(request, "rounds/calendar.html", context | {"errors": errors}, status=400)
    try:
        changed = actions.set_calendar(
            user=request.user,
            round_=round_,
            edits={d.pk: form.values() for d, form in zip(deadlines, forms, strict=True)},
            new=None if new.blank else new.values(),
        )
    except actions.CalendarRefused as refused:
        errors = [("", str(refused))]
        return render(request, "rounds/calendar.html", context | {"errors": errors}, status=400)
    messages.success(
        request,
        f"Calendar saved: {changed} date{'s' if changed != 1 else ''} changed or added."
        if changed
        else "Calendar saved: nothing changed.",
    )
    return redirect("rounds:detail", round_.slug)


# -- an area's commissioner starts their plan ---------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def start_plan(request, round_slug, area_slug):
    """Start the area's plan for the round: empty, or from the area's plan of the round
    before. A POST without a choice asks for one when there is one to make."""
    round_ = get_object_or_404(Round, slug=round_slug)
    area = get_object_or_404(Area.objects.select_related("region"), slug=area_slug)
    user = request.user
    if not (selectors.can_manage_rounds(user) or area.pk in selectors.commissioner_area_ids(user)):
        raise PermissionDenied
    existing = Plan.objects.filter(round=round_, area=area).first()
    if existing is not None:
        messages.info(request, f"The {round_.name} plan for {area.name} has already been started.")
        return redirect("plans:plan", round_.slug, area.slug)
    option = selectors.start_option(round_, area)
    context = {"option": option, "round": round_, "area": area, "form": StartOwnPlanForm()}
    if not selectors.may_start_plan(user, round_, area):
        return render(request, "rounds/start_plan.html", context | {"closed": True}, status=403)
    if request.method != "POST":
        return render(request, "rounds/start_plan.html", context)
    chosen = request.POST.get("start")
    if not chosen and option.previous is not None:
        return render(request, "rounds/start_plan.html", context)
    form = StartOwnPlanForm(request.POST if chosen else {"start": StartOwnPlanForm.EMPTY})
    if form.is_valid() and form.cleaned_data["start"] == form.PREVIOUS and option.previous is None:
        form.add_error("start", f"{area.name} has no plan from an earlier round to start from")
    if not form.is_valid():
        context |= {"form": form, "errors": error_summary(form)}
        return render(request, "rounds/start_plan.html", context, status=400)
    try:
        _plan, created = actions.start_own_plan(
            user=user,
            round_=round_,
            area=area,
            from_previous=form.cleaned_data["start"] == form.PREVIOUS,
        )
    except actions.StartRefused as refused:
        context |= {"errors": [("", str(refused))]}
        return render(request, "rounds/start_plan.html", context, status=409)
    if created and option.previous is not None and form.cleaned_data["start"] == form.PREVIOUS:
        messages.success(
            request,
            f"Plan started from your {option.previous.round.slug} plan: "
            f"{len(option.sections)} section answer{'s' if len(option.sections) != 1 else ''} and "
            f"{option.schemes} scheme{'s' if option.schemes != 1 else ''} copied. Add this "
            "round's money, expenditure and metrics.",
        )
    elif created:
        messages.success(request, f"Your {round_.name} plan for {area.name} has been started.")
    return redirect("plans:plan", round_.slug, area.slug)


# -- nationally set minimums ------------------------------------------------------------


def _allocations_context(round_, **extra):
    return {
        "round": round_,
        "years": [year.label for year in round_.years.all()],
        "kinds": MinimumAllocation.Kind.choices,
        "limit_mb": MAX_BYTES // 1_048_576,
        "uploads": selectors.recent_uploads(round_),
        "recorded": selectors.allocations_recorded(round_),
        "form": AllocationUploadForm(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def allocations(request, round_slug):
    """Upload the nationally set minimums: every problem at once, or a preview of what
    the file would change, to confirm."""
    _require_admin(request.user)
    round_ = _round(round_slug)
    if request.method != "POST":
        return render(request, ALLOCATIONS, _allocations_context(round_))
    # Refuse an oversized body before Django reads it into memory or a temporary file.
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES + 64 * 1024:
        problems = whole(f"The file is larger than {MAX_BYTES // 1_048_576} MB")
        return render(
            request, ALLOCATIONS, _allocations_context(round_, problems=problems), status=413
        )
    form = AllocationUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [("id_file", message) for message in form.errors.get("file", [])]
        context = _allocations_context(round_, errors=errors)
        return render(request, ALLOCATIONS, context, status=400)
    upload = form.cleaned_data["file"]
    data = upload.read(MAX_BYTES + 1)
    check = actions.check_allocations(
        user=request.user, round_=round_, data=data, filename=upload.name
    )
    context = _allocations_context(
        round_, problems=check.problems, changes=check.changes, record=check.upload
    )
    return render(request, ALLOCATIONS, context, status=400 if check.problems else 200)


@login_required
@require_POST
def confirm_allocations(request, round_slug, upload_id):
    """Write the previewed file's figures, all or nothing."""
    _require_admin(request.user)
    round_ = _round(round_slug)
    record = get_object_or_404(AllocationUpload, pk=upload_id, round=round_)
    try:
        result = actions.import_allocations(
            user=request.user, upload=record, expected=request.POST.get("digest", "")
        )
    except actions.AllocationImportRefused as refused:
        record.refresh_from_db()
        context = _allocations_context(
            round_,
            problems=refused.problems,
            changes=refused.changes,
            record=record,
            stale=refused.changes is not None,
        )
        return render(request, ALLOCATIONS, context, status=409 if refused.changes else 400)
    if result.already:
        messages.info(request, f"{record.reference} was already imported; nothing changed.")
    else:
        changes = result.changes
        assert changes is not None
        messages.success(
            request,
            f"Minimums imported ({record.reference}) for {len(changes.areas)} "
            f"area{'s' if len(changes.areas) != 1 else ''}: {changes.new} new, "
            f"{changes.changed} changed, {changes.unchanged} unchanged.",
        )
    return redirect("rounds:allocations", round_.slug)


@login_required
@require_GET
def allocation_problems_csv(request, round_slug, upload_id):
    _require_admin(request.user)
    record = get_object_or_404(AllocationUpload, pk=upload_id, round__slug=round_slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{record.reference}-problems.csv"'
    writer = csv.writer(response)
    writer.writerow(["Row", "Column", "Cell", "Problem"])
    for row in record.problems:
        problem = Problem.from_row(row)
        writer.writerow(
            [
                csv_safe(value)
                for value in (problem.row or "", problem.column, problem.cell, problem.message)
            ]
        )
    return response
