"""Content stamps: one token per plan that every write of the plan's content renews in
its own transaction, and what is worked out from that content kept under it.

Every writer leaves history rows (the house rule: one action, one transaction, its
audit rows), so the stamp is renewed where history is written: simple_history's signal
for single saves and deletes, `plans.history.bulk_history_written` for its bulk writes, and
`touch` for writers that write history rows themselves (schemes.bulk) or none (the
synthetic national dataset). A rolled-back write rolls its new token back with it,
and results worked out inside a transaction are kept only once it commits.

Reading a stamp costs nothing on a plan page: `permissions.get_plan_for` loads it with
the plan.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.cache import caches
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from plans.history import bulk_history_written
from plans.models import Area, ContentStamp, FinancialYear, Plan, PlanNarrative, Round

if TYPE_CHECKING:
    from collections.abc import Collection

CACHE = "default"
TIMEOUT = 24 * 60 * 60

type PlanRoute = Callable[[Sequence[models.Model]], Q]


def touch(plan_ids: Iterable[int]) -> None:
    """Renew the stamps of these plans, in the caller's transaction: one UPDATE."""
    ids = sorted(set(plan_ids))
    if ids:
        _renew(Q(plan__in=ids))


def _renew(stamps: Q) -> None:
    ContentStamp.objects.filter(stamps).update(token=uuid.uuid4().hex)


def stamp_new_plans(plan_ids: Iterable[int]) -> None:
    """Give new plans their first stamps. Only here are stamps made, never in `touch`:
    the rows of a plan being deleted leave their history after its stamp is gone."""
    token = uuid.uuid4().hex
    ContentStamp.objects.bulk_create(
        [ContentStamp(plan_id=pk, token=token) for pk in set(plan_ids)],
        update_conflicts=True,
        unique_fields=["plan"],
        update_fields=["token"],
    )


def stamp_history(model: type[models.Model], rows: Sequence[models.Model], kind: str) -> None:
    """What a history row of `kind` ("+", "~", "-") about these rows does to stamps."""
    if model is Plan and kind == "+":
        stamp_new_plans(row.pk for row in rows)
    else:
        touch_rows(model, rows)


def touch_rows(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Renew the stamps of the plans these rows of `model` belong to: one UPDATE."""
    route = plan_route(model)
    if route is not None and rows:
        _renew(route(rows))


def _fk(model: type[models.Model], name: str) -> models.ForeignKey | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.ForeignKey) else None


def _values(rows: Sequence[models.Model], attname: str) -> set[Any]:
    return {value for row in rows if (value := getattr(row, attname)) is not None}


@functools.cache
def plan_route(model: type[models.Model]) -> PlanRoute | None:
    """Which stamps rows of `model` renew (a filter of ContentStamp), from the rows'
    own column values (a deleted row can still be followed), or None if they are not
    part of any plan's content."""
    if model is Plan:
        return lambda rows: Q(plan__in=_values(rows, "pk"))
    if model is PlanNarrative:
        return lambda rows: Q(plan__narrative__in=_values(rows, "pk"))
    plan, narrative = _fk(model, "plan"), _fk(model, "narrative")
    if narrative is not None and narrative.related_model is not PlanNarrative:
        narrative = None
    if plan is not None and plan.related_model is Plan:
        if narrative is None:
            return lambda rows: Q(plan__in=_values(rows, "plan_id"))
        # a row of one area's plan, or (plan unset) of the narrative the areas share
        return lambda rows: (
            Q(plan__in=_values(rows, "plan_id"))
            | Q(
                plan__narrative__in={row.narrative_id for row in rows if row.plan_id is None}  # type: ignore[attr-defined]
            )
        )
    if narrative is not None:
        return lambda rows: Q(plan__narrative__in=_values(rows, "narrative_id"))
    for field in model._meta.concrete_fields:
        # one step away: a row under a scheme, a trajectory or a return
        if isinstance(field, models.ForeignKey):
            parent = _fk(field.related_model, "plan")  # type: ignore[arg-type]
            if parent is not None and parent.related_model is Plan:
                return functools.partial(_through, field)
    area = _fk(model, "area")
    if area is not None:  # an area's figures, such as its minimum allocations
        return lambda rows: Q(plan__area__in=_values(rows, "area_id"))
    return None


def _through(field: models.ForeignKey, rows: Sequence[models.Model]) -> Q:
    parents = field.related_model._default_manager.filter(  # type: ignore[union-attr]
        pk__in=_values(rows, field.attname)
    )
    return Q(plan__in=parents.values("plan"))


@functools.cache
def reference_route(model: type[models.Model]) -> PlanRoute | None:
    """Which stamps a change to reference rows renews: every plan of the round (of
    the area, for an area's row). The rules read the round's rows (its rules and their
    severity, funding sources, metrics, conditions, years) and the area's name, which
    an administrator may edit in place, without history; a plan's findings must not
    outlive them. None for a plan's content (its history renews its stamp) and for
    rows of no round."""
    if model is Round:
        return lambda rows: Q(plan__round__in=_values(rows, "pk"))
    if model is FinancialYear:
        return lambda rows: Q(plan__round__years__in=_values(rows, "pk"))
    if model is Area:  # its name is in findings' messages
        return lambda rows: Q(plan__area__in=_values(rows, "pk"))
    if plan_route(model) is not None or hasattr(model, "instance_type"):
        return None  # (instance_type: a history table, written with what it records)
    round_ = _fk(model, "round")
    if round_ is not None and round_.related_model is Round:
        return lambda rows: Q(plan__round__in=_values(rows, "round_id"))
    for field in model._meta.concrete_fields:
        # one step away: a condition's question, a metric's period or component
        if isinstance(field, models.ForeignKey):
            parent = _fk(field.related_model, "round")  # type: ignore[arg-type]
            if parent is not None and parent.related_model is Round:
                parents = field.related_model._default_manager  # type: ignore[union-attr]
                return lambda rows, field=field, parents=parents: Q(
                    plan__round__in=parents.filter(pk__in=_values(rows, field.attname)).values(
                        "round"
                    )
                )
    return None


@receiver(post_create_historical_record)
def _renew_on_history(sender, instance, history_instance, **kwargs) -> None:
    stamp_history(type(instance), [instance], history_instance.history_type)


@receiver(bulk_history_written)
def _renew_on_bulk_history(sender, rows, kind, **kwargs) -> None:
    stamp_history(sender, rows, kind)


@receiver(post_save)
@receiver(post_delete)
def _renew_on_reference_rows(sender, instance, raw=False, **kwargs) -> None:
    route = None if raw else reference_route(sender)  # (raw: a fixture being loaded)
    if route is not None:
        _renew(route([instance]))


def _renewing_m2m(owner: str, field: str) -> Callable[..., None]:
    """A receiver for the many-to-many `field` of the model the plan reaches by
    `owner` (a round's years, an area's CCGs): it renews the plans of the rows whose
    links changed, from either side."""

    def renew(sender, instance, action, reverse, pk_set, **kwargs) -> None:
        if action not in ("post_add", "post_remove", "pre_clear"):
            return
        if not reverse:
            _renew(Q(**{owner: instance.pk}))
        elif action == "pre_clear":  # the other side's row taken out of every owner
            _renew(Q(**{f"{owner}__{field}": instance.pk}))
        else:
            _renew(Q(**{f"{owner}__in": pk_set}))

    return renew


for _owner, _field, _through_model in (
    ("plan__round", "years", Round.years.through),
    ("plan__area", "ccgs", Area.ccgs.through),  # whose sign-offs an area's plans list
):
    m2m_changed.connect(
        _renewing_m2m(_owner, _field),
        sender=_through_model,
        weak=False,
        dispatch_uid=f"stamps:{_through_model._meta.label}",
    )


# -- reading ------------------------------------------------------------------------


def stamp_of(plan: Plan) -> str | None:
    """The plan's content stamp: its token and the plan row's own version (status
    moves write the plan row with UPDATE, not a save), or None if the plan has no
    token yet (rows loaded in bulk without history: nothing is kept for it)."""
    try:
        token = plan.content_stamp.token
    except ContentStamp.DoesNotExist:
        return None
    updated = plan.updated_at.isoformat() if plan.updated_at else ""
    return f"{plan.pk}:{token}:{plan.lock_version}:{plan.status}:{updated}"


def stamps_of(plans: Iterable[Plan]) -> dict[int, str | None]:
    """{plan pk: stamp} for several plans, loading the tokens not yet loaded in one
    query."""
    plans = list(plans)
    missing = [p.pk for p in plans if not Plan.content_stamp.is_cached(p)]
    if missing:
        tokens = dict(ContentStamp.objects.filter(plan__in=missing).values_list("plan", "token"))
        for plan in plans:
            if plan.pk in tokens:
                Plan.content_stamp.related.set_cached_value(
                    plan, ContentStamp(plan_id=plan.pk, token=tokens[plan.pk])
                )
            elif plan.pk in missing:
                Plan.content_stamp.related.set_cached_value(plan, None)
    return {plan.pk: stamp_of(plan) for plan in plans}


def kept_for_plans[T](
    part: str, plans: Collection[Plan], work: Callable[[list[Plan]], dict[int, T]]
) -> dict[int, T]:
    """{plan pk: work's result} with each plan's result kept under its stamp: `work`
    runs only for the plans whose content changed since (or that have no stamp)."""
    cache = caches[CACHE]
    stamps = stamps_of(plans)
    keys = {pk: f"bcf:{part}:{stamp}" for pk, stamp in stamps.items() if stamp}
    kept = cache.get_many(list(keys.values())) if keys else {}
    found: dict[int, T] = {}
    todo = []
    for plan in plans:
        key = keys.get(plan.pk)
        if key in kept:
            found[plan.pk] = kept[key]
        else:
            todo.append(plan)
    if todo:
        fresh = work(todo)
        found.update(fresh)
        to_keep = {keys[pk]: value for pk, value in fresh.items() if pk in keys}
        if to_keep:
            # kept only once the reading transaction commits: a result read from
            # writes that are then rolled back is never kept
            transaction.on_commit(lambda: cache.set_many(to_keep, TIMEOUT))
    return found


def kept_across_plans[T](part: str, plans: Collection[Plan], work: Callable[[], T]) -> T:
    """work(), kept under the stamps of these plans together (a joint plan's figures,
    read from each of its area plans): worked out again when any of them changes, or
    every time if one has no stamp."""
    stamps = stamps_of(plans)
    if not stamps or None in stamps.values():
        return work()
    together = "|".join(str(stamps[pk]) for pk in sorted(stamps))
    return kept_under(f"bcf:{part}:{hashlib.sha256(together.encode()).hexdigest()[:32]}", work)


def kept_under[T](
    key: str, work: Callable[[], T], *, cache_alias: str = CACHE, timeout: int = TIMEOUT
) -> T:
    """The value kept under `key`, or work()'s, kept once the reading transaction
    commits (a result read from writes then rolled back is never kept)."""
    cache = caches[cache_alias]
    value = cache.get(key)
    if value is None:
        value = work()
        fresh = value
        transaction.on_commit(lambda: cache.set(key, fresh, timeout))
    return value


def kept_for_plan[T](part: str, plan: Plan, work: Callable[[Plan], T]) -> T:
    """work(plan), kept under the plan's stamp."""
    return kept_for_plans(part, [plan], lambda todo: {p.pk: work(p) for p in todo})[plan.pk]
