"""A synthetic nation for exercising dashboards, exports and benchmarks at national size:
a plan for every area without one (150 in England), each with 40 schemes of about
ten lines, balanced income, minimums, a value for every metric period and a spread
of statuses. Synthetic plans are titled "Synthetic ..." so --reset removes only them."""

import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from finance.models import IncomeLine, MinimumAllocation
from metrics.models import (
    MetricComponentValue,
    MetricDefinition,
    MetricPlanValue,
    MetricTrajectory,
)
from metrics.rates import rate
from plans.models import Area, Plan, PlanNarrative, Round
from plans.stamps import touch
from schemes.models import ExpenditureLine, Scheme

STATUSES = [
    Plan.Status.DRAFT,
    Plan.Status.SUBMITTED,
    Plan.Status.IN_ASSURANCE,
    Plan.Status.APPROVED,
    Plan.Status.APPROVED_WITH_CONDITIONS,
    Plan.Status.CHANGES_REQUESTED,
]
PREFIX = "Synthetic"


class Command(BaseCommand):
    help = "Create a synthetic national dataset of plans (see module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--round", default="2017-19")
        parser.add_argument("--areas", type=int, default=None, help="How many areas (default all).")
        parser.add_argument("--schemes", type=int, default=40)
        parser.add_argument("--lines", type=int, default=10, help="Lines per scheme.")
        parser.add_argument("--reset", action="store_true", help="Remove synthetic plans first.")
        parser.add_argument("--seed", type=int, default=2017)

    def handle(self, *args, **options):
        self.generate(**options)
        if connection.vendor == "postgresql":
            # Fresh planner statistics: without them PostgreSQL plans for the empty
            # tables it last analysed and scans every line (200 ms, not 0.5 ms).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    @transaction.atomic
    def generate(self, **options):
        round_ = Round.objects.get(slug=options["round"])
        if options["reset"]:
            synthetic = Plan.objects.filter(narrative__title__startswith=PREFIX)
            ExpenditureLine.objects.filter(scheme__plan__in=synthetic).delete()
            for model in (Scheme, IncomeLine, MetricTrajectory):
                model.objects.filter(plan__in=synthetic).delete()
            narratives = list(PlanNarrative.objects.filter(title__startswith=PREFIX))
            synthetic.delete()
            PlanNarrative.objects.filter(pk__in=[n.pk for n in narratives]).delete()
        rng = random.Random(options["seed"])
        areas = Area.objects.exclude(plans__round=round_).order_by("name")
        if options["areas"] is not None:
            areas = areas[: options["areas"]]
        sources = list(round_.funding_sources.filter(parent__isnull=True))
        years = list(round_.years.all())
        lists = {
            "area_of_spend": list(round_.areaofspend_set.all()),
            "commissioner": [c for c in round_.commissionertype_set.all() if not c.is_joint],
            "scheme_type": [t for t in round_.schemetype_set.all() if not t.is_other],
        }
        metrics = list(round_.metrics.prefetch_related("periods", "components"))
        made = 0
        for index, area in enumerate(areas):
            self.make_plan(
                round_,
                area,
                STATUSES[index % len(STATUSES)],
                sources,
                years,
                lists,
                metrics,
                rng,
                options["schemes"],
                options["lines"],
            )
            made += 1
        self.stdout.write(f"Created {made} synthetic plans in {round_.slug}.")

    def make_plan(
        self, round_, area, status, sources, years, lists, metrics, rng, n_schemes, n_lines
    ):
        narrative = PlanNarrative.objects.create(
            round=round_, title=f"{PREFIX} plan for {area.name}"
        )
        plan = Plan.objects.create(round=round_, area=area, narrative=narrative, status=status)
        schemes = Scheme.objects.bulk_create(
            Scheme(
                plan=plan,
                code=f"S{n + 1}",
                name=f"Scheme {n + 1}",
                order=n,
                theme=f"Theme {n % 5 + 1}",
                scheme_type=rng.choice(lists["scheme_type"]),
            )
            for n in range(n_schemes)
        )
        lines = [
            ExpenditureLine(
                scheme=scheme,
                source=sources[n % len(sources)],
                year=years[n % len(years)],
                amount=Decimal(rng.randrange(10_000, 2_000_000)),
                area_of_spend=rng.choice(lists["area_of_spend"]),
                commissioner=rng.choice(lists["commissioner"]),
            )
            for scheme in schemes
            for n in range(n_lines)
        ]
        ExpenditureLine.objects.bulk_create(lines)
        totals = {}
        for line in lines:
            key = (line.source.pk, line.year.pk)
            totals[key] = totals.get(key, Decimal(0)) + line.amount
        IncomeLine.objects.bulk_create(
            IncomeLine(plan=plan, source_id=s, year_id=y, amount=amount)
            for (s, y), amount in totals.items()
        )
        for year in years:
            pooled = sum(a for (s, y), a in totals.items() if y == year.pk)
            MinimumAllocation.objects.update_or_create(
                area=area,
                year=year,
                kind=MinimumAllocation.Kind.POOLED_BUDGET,
                defaults={"amount": (pooled * Decimal("0.9")).quantize(Decimal(1))},
            )
        for metric in metrics:
            trajectory = MetricTrajectory.objects.create(plan=plan, metric=metric)
            components = list(metric.components.all())
            if components and metric.rate_base:
                # Counted in parts (delayed days by who is responsible) over a population:
                # the template reads the parts and the population, and computes the rate.
                self.make_counted(trajectory, metric, components, rng)
                continue
            MetricPlanValue.objects.bulk_create(
                MetricPlanValue(trajectory=trajectory, period=period, value=value(metric, rng))
                for period in metric.periods.all()
            )
        touch([plan.pk])  # rows made in bulk leave no history to renew the stamp
        return plan

    def make_counted(self, trajectory, metric, components, rng):
        population = Decimal(rng.randrange(150_000, 400_000))
        parts, values = [], []
        for period in metric.periods.all():
            counts = [Decimal(rng.randrange(0, 300)) for _component in components]
            parts += [
                MetricComponentValue(
                    trajectory=trajectory, period=period, component=component, value=count
                )
                for component, count in zip(components, counts, strict=True)
            ]
            numerator = sum(counts, Decimal(0))
            values.append(
                MetricPlanValue(
                    trajectory=trajectory,
                    period=period,
                    numerator=numerator,
                    denominator=population,
                    value=rate(numerator, population, metric.rate_base),
                )
            )
        MetricComponentValue.objects.bulk_create(parts)
        MetricPlanValue.objects.bulk_create(values)


def value(metric, rng):
    """A plausible planned value in the metric's unit: a percentage stays within 0-100
    (one decimal place, as the template asks), a count or rate is a whole number."""
    if metric.unit == MetricDefinition.Unit.PERCENTAGE:
        return Decimal(rng.randrange(600, 1000)) / 10
    return Decimal(rng.randrange(50, 900))
