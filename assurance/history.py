"""The plan's timeline: workflow events and field-level changes from
django-simple-history, merged newest first. A fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from finance.models import IncomeLine
from plans.models import (
    ConditionAnswer,
    Milestone,
    NarrativeAnswer,
    Plan,
    Risk,
    SignOff,
)
from schemes.models import ExpenditureLine, Scheme

# (model, owner, label, what names the row) - naming never follows a foreign key,
# so the timeline costs one query per model however long it is.
TRACKED = [
    (Plan, "pk", "Plan details", lambda r, t: ""),
    (SignOff, "plan", "Sign-off", lambda r, t: r.organisation),
    (NarrativeAnswer, "narrative", "Section", lambda r, t: t["sections"].get(r.section_id, "")),
    (ConditionAnswer, "narrative", "National condition answer", lambda r, t: ""),
    (Risk, "narrative", "Risk", lambda r, t: r.reference),
    (Milestone, "narrative", "Milestone", lambda r, t: r.reference),
    (Scheme, "plan", "Scheme", lambda r, t: f"{r.code} {r.name}"),
    (
        IncomeLine,
        "plan",
        "Income line",
        lambda r, t: (
            f"{t['sources'].get(r.source_id, '')} {t['years'].get(r.year_id, '')}: £{r.amount:,}"
        ),
    ),
    (
        ExpenditureLine,
        "scheme",
        "Expenditure line",
        # Which scheme, source and year, so one changed cell can be found among many.
        lambda r, t: (
            f"{t['schemes'].get(r.scheme_id, '')} {t['sources'].get(r.source_id, '')} "
            f"{t['years'].get(r.year_id, '')}: £{r.amount:,}"
        ),
    ),
]
SKIP = {"lock_version", "updated_at", "order"}


@dataclass
class Entry:
    at: datetime
    who: str
    what: str
    changes: list  # (field, before, after)


def _records(plan, model, key):
    history = model.history.select_related("history_user").order_by("history_date", "history_id")
    if key == "pk":
        return history.filter(id=plan.pk)
    if key == "narrative":
        return history.filter(narrative_id=plan.narrative_id)
    if key == "plan":
        return history.filter(plan_id=plan.pk)
    # Lines of schemes removed since still belong to this plan's history.
    scheme_ids = Scheme.history.filter(plan_id=plan.pk).values("id")
    return history.filter(scheme_id__in=scheme_ids)


def plan_history(plan, limit=300):
    """[Entry], newest first. One query per kind of record, whatever their number:
    each record is compared with the previous record of the same row in memory."""
    entries = []
    for event in plan.events.select_related("actor"):
        changes = [("status", event.get_from_status_display(), event.get_to_status_display())]
        if event.note:
            changes.append(("note", "", event.note))
        who = event.actor.get_username() if event.actor else ""
        entries.append(Entry(event.at, who, event.get_kind_display(), changes))
    titles = {
        "sections": dict(plan.round.sections.values_list("pk", "title")),
        "schemes": dict(Scheme.history.filter(plan_id=plan.pk).values_list("id", "code")),
        "sources": dict(plan.round.funding_sources.values_list("pk", "name")),
        "years": {y.pk: y.label for y in plan.round.years.all()},
    }
    for model, key, label, name in TRACKED:
        previous = {}
        for record in _records(plan, model, key):
            before = previous.get(record.id)
            previous[record.id] = record
            changes = []
            if record.history_type == "~" and before is not None:
                delta = record.diff_against(before)
                changes = [(c.field, c.old, c.new) for c in delta.changes if c.field not in SKIP]
                if not changes:
                    continue
            kind = {"+": "added", "-": "removed", "~": "changed"}[record.history_type]
            who = record.history_user.get_username() if record.history_user else ""
            entries.append(
                Entry(
                    record.history_date,
                    who,
                    f"{label} {kind} {name(record, titles)}".strip(),
                    changes,
                )
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
