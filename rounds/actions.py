"""The only writers of rounds, the plans started in them, their calendars and the
nationally set minimums. Each action is keyword-only, checks who may act, writes in
one transaction (with history rows where the model keeps them: plans, narratives,
answers, schemes and minimums record who made them) and sends its email only after
the transaction commits."""

import datetime
import hashlib
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import send_mass_mail
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from finance.models import MinimumAllocation
from plans.models import (
    Area,
    AssuranceStage,
    CommissionerType,
    NarrativeAnswer,
    Plan,
    PlanNarrative,
    Role,
    Round,
    RoundDeadline,
    SchemeType,
)
from plans.models.access import AREA_KINDS, is_national_admin
from schemes.models import Scheme

from . import selectors
from .allocations import MAX_BYTES, ZIP_MAGIC, Problem, read_allocations, whole
from .models import AllocationUpload
from .selectors import AllocationChanges

logger = logging.getLogger(__name__)
TITLE_MAX = PlanNarrative._meta.get_field("title").max_length or 200
LABEL_MAX = RoundDeadline._meta.get_field("label").max_length or 150


class StartRefused(Exception):
    """The plans cannot be started as asked; the message says why."""


class CalendarRefused(Exception):
    """The calendar change cannot be made; the message says why."""


class AllocationImportRefused(Exception):
    """The allocations file has problems, or the minimums changed since its preview
    (then `changes` is the new preview)."""

    def __init__(self, problems: list[Problem], changes: AllocationChanges | None = None) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = problems
        self.changes = changes


def _require_admin(user: User) -> None:
    if not is_national_admin(user):
        raise PermissionDenied


def _locked(round_: Round) -> Round:
    """The round's row, locked until the transaction ends, so two starts in the same
    round (a double submit, two administrators) run one after the other."""
    return Round.objects.select_for_update().get(pk=round_.pk)


def narrative_title(area: Area, round_: Round) -> str:
    return f"{area.name} Better Care Fund plan {round_.slug}"[:TITLE_MAX]


# -- mail -------------------------------------------------------------------------------


def _area_staff(area_ids: Collection[int], exclude: User | None = None) -> dict[int, set[str]]:
    """{area id: emails of its active commissioners and finance officers}. One query."""
    found: defaultdict[int, set[str]] = defaultdict(set)
    rows = Role.objects.filter(
        kind__in=AREA_KINDS, areas__in=list(area_ids), user__is_active=True
    ).values_list("areas", "user__email", "user_id")
    for area_id, email, user_id in rows:
        if area_id in area_ids and email and (exclude is None or user_id != exclude.pk):
            found[area_id].add(email)
    return found


def _mail_on_commit(messages: Iterable[tuple[str, str, set[str]]]) -> None:
    datatuple = tuple(
        (subject, body, None, sorted(recipients))
        for subject, body, recipients in messages
        if recipients
    )
    if datatuple:
        transaction.on_commit(partial(send_mass_mail, datatuple))


def _who(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _notify_started(plans: Sequence[Plan], user: User) -> None:
    staff = _area_staff({plan.area_id for plan in plans}, exclude=user)
    _mail_on_commit(
        (
            f"BCF plan started: {plan.area.name}, {plan.round.name}",
            f"{_who(user)} started the {plan.round.name} Better Care Fund plan for "
            f"{plan.area.name}. Sign in to BCF Plans and open it from Your plans "
            f"(/plans/{plan.round.slug}/{plan.area.slug}/).",
            staff.get(plan.area_id, set()),
        )
        for plan in plans
    )


# -- starting plans ---------------------------------------------------------------------


@dataclass
class Started:
    plans: list[Plan] = field(default_factory=list)  # started now, by area name
    skipped: list[Area] = field(default_factory=list)  # already had a plan in the round


def _distinct(areas: Iterable[Area]) -> list[Area]:
    return sorted({area.pk: area for area in areas}.values(), key=lambda a: a.name)


def _create_plans(
    user: User, round_: Round, areas: Sequence[Area], shared_title: str | None = None
) -> list[Plan]:
    """A plan per area: each with its own narrative, or all sharing one titled
    `shared_title` (a joint plan). Four inserts, whatever the number of areas."""
    if shared_title is None:
        narratives = [PlanNarrative(round=round_, title=narrative_title(a, round_)) for a in areas]
    else:
        narratives = [PlanNarrative(round=round_, title=shared_title)]
    narratives = bulk_create_with_history(narratives, PlanNarrative, default_user=user)
    plans = [
        Plan(
            round=round_,
            area=area,
            narrative=narratives[0 if shared_title is not None else index],
        )
        for index, area in enumerate(areas)
    ]
    try:
        with transaction.atomic():
            plans = bulk_create_with_history(plans, Plan, default_user=user)
    except IntegrityError as error:
        raise StartRefused(
            "Someone started a plan for one of these areas at the same moment. Nothing was "
            "started; check the list and try again."
        ) from error
    return plans


def start_plans(*, user: User, round_: Round, areas: Iterable[Area]) -> Started:
    """Start a plan, with its own narrative ("<area> Better Care Fund plan <round>"),
    for each of the areas that has none in the round, in one transaction. Areas that
    already have a plan are skipped, so submitting twice starts nothing twice."""
    _require_admin(user)
    chosen = _distinct(areas)
    with transaction.atomic():
        _locked(round_)
        have = set(
            Plan.objects.filter(round=round_, area__in=[a.pk for a in chosen]).values_list(
                "area_id", flat=True
            )
        )
        todo = [area for area in chosen if area.pk not in have]
        plans = _create_plans(user, round_, todo) if todo else []
        _notify_started(plans, user)
    return Started(plans=plans, skipped=[area for area in chosen if area.pk in have])


def start_joint_plan(*, user: User, round_: Round, areas: Iterable[Area], title: str) -> Started:
    """Start one plan per area sharing one narrative titled `title`, as Barking and
    Dagenham, Havering and Redbridge share theirs. All the areas or none: an area that
    already has a plan in the round refuses the lot."""
    _require_admin(user)
    chosen = _distinct(areas)
    title = " ".join(title.split())
    if len(chosen) < 2:
        raise StartRefused("Choose at least two areas for a joint plan")
    if not title:
        raise StartRefused("Enter the joint plan's title")
    if len(title) > TITLE_MAX:
        raise StartRefused(f"The joint plan's title must be {TITLE_MAX} characters or fewer")
    with transaction.atomic():
        _locked(round_)
        have = list(
            Plan.objects.filter(round=round_, area__in=[a.pk for a in chosen])
            .select_related("area")
            .order_by("area__name")
        )
        if have:
            names = ", ".join(plan.area.name for plan in have)
            raise StartRefused(
                f"{names} already {'has a plan' if len(have) == 1 else 'have plans'} for "
                f"{round_.name}, so the joint plan was not started. Choose only areas "
                "without a plan."
            )
        plans = _create_plans(user, round_, chosen, shared_title=title)
        _notify_started(plans, user)
    return Started(plans=plans)


def _copy_forward(previous: Plan, plan: Plan, user: User) -> None:
    """Carry the previous round's plan into the new one: the answers of narrative
    sections both rounds have (by slug), and the schemes with their words (ID, name,
    theme, description, objectives, lead provider; scheme type and lead commissioner
    matched by name in the new round's lists). No money, expenditure lines or metrics."""
    sections = {old.pk: new for old, new in selectors.carried_sections(previous.round, plan.round)}
    answers = [
        NarrativeAnswer(
            narrative=plan.narrative, section=sections[answer.section_id], text=answer.text
        )
        for answer in NarrativeAnswer.objects.filter(
            narrative=previous.narrative_id, section__in=list(sections)
        ).exclude(text="")
    ]
    if answers:
        bulk_create_with_history(answers, NarrativeAnswer, default_user=user)
    types = {t.name.casefold(): t for t in SchemeType.objects.filter(round=plan.round)}
    leads = {c.name.casefold(): c for c in CommissionerType.objects.filter(round=plan.round)}
    schemes = []
    for old in Scheme.objects.filter(plan=previous).select_related(
        "scheme_type", "lead_commissioner"
    ):
        scheme_type = types.get(old.scheme_type.name.casefold()) if old.scheme_type else None
        lead = leads.get(old.lead_commissioner.name.casefold()) if old.lead_commissioner else None
        schemes.append(
            Scheme(
                plan=plan,
                code=old.code,
                name=old.name,
                theme=old.theme,
                scheme_type=scheme_type,
                scheme_type_other=old.scheme_type_other
                if scheme_type and scheme_type.is_other
                else "",
                description=old.description,
                objectives=old.objectives,
                lead_commissioner=lead,
                lead_provider=old.lead_provider,
                joint_lead_provider=old.joint_lead_provider,
                order=old.order,
            )
        )
    if schemes:
        bulk_create_with_history(schemes, Scheme, default_user=user)


def start_own_plan(
    *, user: User, round_: Round, area: Area, from_previous: bool = False
) -> tuple[Plan, bool]:
    """An area's commissioner starts the area's plan for an open round (a national
    administrator may too, in any round): empty, or from the area's plan of the round
    before (`from_previous`). (plan, True) when started now; (the plan, False) when the
    area already has one, so a second click starts nothing."""
    if not (is_national_admin(user) or area.pk in selectors.commissioner_area_ids(user)):
        raise PermissionDenied
    if not selectors.may_start_plan(user, round_, area):
        raise StartRefused(
            f"{round_.name} is closed, so new plans cannot be started. Ask the national "
            "team if your area still needs one."
        )
    with transaction.atomic():
        _locked(round_)
        existing = Plan.objects.filter(round=round_, area=area).select_related("round").first()
        if existing is not None:
            return existing, False
        previous = selectors.previous_plan(area, round_) if from_previous else None
        if from_previous and previous is None:
            raise StartRefused(f"{area.name} has no plan from an earlier round to start from")
        [plan] = _create_plans(user, round_, [area])
        if previous is not None:
            _copy_forward(previous, plan, user)
        _notify_started([plan], user)
    return plan, True


# -- the round itself -------------------------------------------------------------------


def set_round_open(*, user: User, round_: Round, is_open: bool) -> bool:
    """Open or close the round (areas may start and edit plans while it is open).
    True if it changed."""
    _require_admin(user)
    with transaction.atomic():
        changed = (
            Round.objects.filter(pk=round_.pk).exclude(is_open=is_open).update(is_open=is_open)
        )
    round_.is_open = is_open
    return bool(changed)


@dataclass(frozen=True)
class DeadlineValues:
    label: str
    due: datetime.date
    remind_days_before: int = 7
    kind: str = RoundDeadline.Kind.MILESTONE  # for a new date
    stage: AssuranceStage | None = None  # for a new assurance stage deadline


def _check_values(values: DeadlineValues) -> str:
    label = " ".join(values.label.split())
    if not label:
        return "Enter a name for each date"
    if len(label) > LABEL_MAX:
        return f"Each date's name must be {LABEL_MAX} characters or fewer"
    if not 0 <= values.remind_days_before <= 365:
        return "Send reminders between 0 and 365 days before a date"
    return ""


def _free_slug(label: str, taken: Collection[str]) -> str:
    base = slugify(label)[:40] or "date"
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def set_calendar(
    *,
    user: User,
    round_: Round,
    edits: Mapping[int, DeadlineValues],
    new: DeadlineValues | None = None,
) -> int:
    """Change the round's dates (`edits`: {deadline id: label, date and reminder
    days}) and add one (`new`), in one transaction. Returns how many dates changed or
    were added. Reminders already sent for a date are not sent again for it
    (assurance.calendar keys them by plan and date)."""
    _require_admin(user)
    for values in [*edits.values(), *([new] if new else [])]:
        if problem := _check_values(values):
            raise CalendarRefused(problem)
    if new is not None:
        if new.kind not in RoundDeadline.Kind.values:
            raise CalendarRefused("Choose what kind of date it is")
        if new.kind == RoundDeadline.Kind.ASSURANCE and (
            new.stage is None or new.stage.round_id != round_.pk
        ):
            raise CalendarRefused("Choose the assurance stage the deadline is for")
    with transaction.atomic():
        deadlines = {
            d.pk: d for d in RoundDeadline.objects.select_for_update().filter(round=round_)
        }
        unknown = set(edits) - set(deadlines)
        if unknown:
            raise CalendarRefused("One of the dates is not part of this round; reload the page")
        changed = []
        for pk, values in edits.items():
            deadline = deadlines[pk]
            label = " ".join(values.label.split())
            if (deadline.label, deadline.due, deadline.remind_days_before) != (
                label,
                values.due,
                values.remind_days_before,
            ):
                deadline.label, deadline.due = label, values.due
                deadline.remind_days_before = values.remind_days_before
                changed.append(deadline)
        if changed:
            RoundDeadline.objects.bulk_update(changed, ["label", "due", "remind_days_before"])
        if new is not None:
            label = " ".join(new.label.split())
            order = RoundDeadline.objects.filter(round=round_).aggregate(m=Max("order"))["m"]
            RoundDeadline.objects.create(
                round=round_,
                slug=_free_slug(label, {d.slug for d in deadlines.values()}),
                label=label,
                kind=new.kind,
                due=new.due,
                stage=new.stage if new.kind == RoundDeadline.Kind.ASSURANCE else None,
                remind_days_before=new.remind_days_before,
                order=(order or 0) + 1,
            )
    return len(changed) + (1 if new is not None else 0)


# -- nationally set minimums ------------------------------------------------------------------


@dataclass
class AllocationCheck:
    upload: AllocationUpload
    problems: list[Problem]
    changes: AllocationChanges | None = None


def check_allocations(*, user: User, round_: Round, data: bytes, filename: str) -> AllocationCheck:
    """Check a file of minimums for the round completely and keep it (refused ones too)
    under a reference number: its problems, or a preview of what it would change.
    Nothing but the kept upload is written; `import_allocations` writes the figures."""
    _require_admin(user)
    failure: Exception | None = None
    try:
        rows, problems = read_allocations(data, filename, round_)
    except DatabaseError:
        raise
    except Exception as error:  # the last line of defence: refuse and keep the file
        rows, problems, failure = [], [], error
    changes = None if problems or failure else selectors.allocation_changes(rows)
    record = AllocationUpload(
        round=round_,
        uploaded_by=user,
        filename=filename[:255],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        problems=[p.as_row() for p in problems],
        summary=changes.summary() if changes else {},
    )
    if changes is None:
        record.status = AllocationUpload.Status.REFUSED
    elif changes.count:
        record.status = AllocationUpload.Status.PREVIEWED
    else:
        record.status = AllocationUpload.Status.UNCHANGED
    if len(data) <= MAX_BYTES:
        extension = ".xlsx" if data.startswith(ZIP_MAGIC) else ".csv"
        record.file.save(
            f"{round_.slug}-{record.sha256[:12]}{extension}", ContentFile(data), save=False
        )
    record.save()
    if failure is not None:
        logger.error("Allocations upload %s could not be read", record.reference, exc_info=failure)
        problems = whole(
            "The file could not be read. Nothing was imported. Save it again as CSV UTF-8 "
            "or as an Excel workbook (.xlsx) and upload it again; if that does not help, "
            f"contact support quoting {record.reference}."
        )
        record.problems = [p.as_row() for p in problems]
        record.save(update_fields=["problems"])
    return AllocationCheck(record, problems, changes)


def _notify_minimums(changes: AllocationChanges, area_ids: Mapping[str, int], user: User) -> None:
    staff = _area_staff(set(area_ids.values()), exclude=user)
    messages = []
    for entry in changes.areas:
        lines = [
            f"- {c.kind} {c.year}: £{c.new:,.2f}"
            + (f" (was £{c.old:,.2f})" if c.old is not None else " (new)")
            for c in [*entry.new, *entry.changed]
        ]
        if lines:
            messages.append(
                (
                    f"BCF minimums published for {entry.area}",
                    "The national team has published these nationally set minimums for "
                    f"{entry.area}:\n\n" + "\n".join(lines) + "\n\nYour plan's checks use them "
                    "from now on.",
                    staff.get(area_ids[entry.area], set()),
                )
            )
    _mail_on_commit(messages)


@dataclass
class Imported:
    upload: AllocationUpload
    changes: AllocationChanges | None
    already: bool = False  # imported before (a second confirm): nothing written now


def import_allocations(*, user: User, upload: AllocationUpload, expected: str) -> Imported:
    """Write the figures of a checked upload, all or nothing, in one transaction with
    bulk writes (and their history rows). The kept file is read and checked again,
    and its changes against the minimums now must be those previewed (`expected`, the
    preview's digest), or nothing is written and AllocationImportRefused carries the
    new preview. Minimums the file does not name stay as they are."""
    _require_admin(user)
    refused: AllocationImportRefused | None = None
    with transaction.atomic():
        record = (
            AllocationUpload.objects.select_for_update().select_related("round").get(pk=upload.pk)
        )
        if record.status == AllocationUpload.Status.IMPORTED:
            return Imported(record, None, already=True)
        if record.status != AllocationUpload.Status.PREVIEWED or not record.file:
            raise AllocationImportRefused(
                whole("This upload cannot be imported: upload the file again and check it")
            )
        with record.file.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
        rows, problems = read_allocations(data, record.filename, record.round)
        if problems:
            refused = AllocationImportRefused(problems)
        else:
            changes = selectors.allocation_changes(rows)
            if changes.digest != expected:
                refused = AllocationImportRefused(
                    whole("The minimums changed after the preview; check the changes again"),
                    changes,
                )
        if refused is None:
            stored = selectors.stored_minimums(rows)
            creates, updates = [], []
            for row in rows:
                current = stored.get((row.area_id, row.kind, row.year_id))
                if current is None:
                    creates.append(
                        MinimumAllocation(
                            area_id=row.area_id,
                            year_id=row.year_id,
                            kind=row.kind,
                            amount=row.amount,
                        )
                    )
                elif current.amount != row.amount:
                    current.amount = row.amount
                    updates.append(current)
            reason = f"Allocations upload {record.reference}"
            if creates:
                bulk_create_with_history(
                    creates, MinimumAllocation, default_user=user, default_change_reason=reason
                )
            if updates:
                bulk_update_with_history(
                    updates,
                    MinimumAllocation,
                    ["amount"],
                    default_user=user,
                    default_change_reason=reason,
                )
            record.status = AllocationUpload.Status.IMPORTED
            record.imported_at = timezone.now()
            record.summary = changes.summary()
            record.save(update_fields=["status", "imported_at", "summary"])
            _notify_minimums(changes, {row.area_name: row.area_id for row in rows}, user)
            return Imported(record, changes)
    # Refused: keep what the check found now on the upload, then say so.
    if refused.changes is not None:
        AllocationUpload.objects.filter(pk=upload.pk).update(summary=refused.changes.summary())
    else:
        AllocationUpload.objects.filter(pk=upload.pk).update(
            status=AllocationUpload.Status.REFUSED,
            problems=[p.as_row() for p in refused.problems],
        )
    raise refused
