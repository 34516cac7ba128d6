"""Load areas and planning rounds from the data files beside this module.

Rounds are TOML files in rounds/; adding a round means adding a file and running
`manage.py load_reference_data`. Loading is idempotent: rows are matched on their
natural keys and updated in place.
"""

import calendar
import csv
import datetime
import tomllib
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from metrics.models import MetricComponent, MetricDefinition, MetricPeriod
from plans import models

HERE = Path(__file__).resolve().parent
ROUNDS_DIR = HERE / "rounds"
REGIONS = {
    "london": "London",
    "south-east": "South East",
    "south-west": "South West",
    "midlands": "Midlands",
    "east-of-england": "East of England",
    "north-east-and-yorkshire": "North East and Yorkshire",
    "north-west": "North West",
}
MONTHS = calendar.month_abbr


@transaction.atomic
def load_areas():
    regions = {
        slug: models.Region.objects.update_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in REGIONS.items()
    }
    with open(HERE / "areas.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            models.Area.objects.update_or_create(
                ons_code=row["ons_code"],
                defaults={
                    "name": row["name"],
                    "slug": slugify(row["name"].replace("St.", "St")),
                    "region": regions[row["region"]],
                },
            )
    with open(HERE / "ccgs.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            ccg, _ = models.ClinicalCommissioningGroup.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"]}
            )
            ccg.areas.add(*models.Area.objects.filter(slug__in=row["areas"].split(";")))


def load_all_rounds():
    return [load_round(path) for path in sorted(ROUNDS_DIR.glob("*.toml"))]


@transaction.atomic
def load_round(path):
    spec = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    round_, _ = models.Round.objects.update_or_create(
        slug=spec["slug"],
        defaults={
            "name": spec["name"],
            "risk_scale": spec["risk_scale"],
            "risks_scored": spec.get("risks_scored", False),
            "amounts_in_thousands": spec.get("amounts_in_thousands", False),
        },
    )
    years = [models.FinancialYear.objects.get_or_create(start_year=y)[0] for y in spec["years"]]
    round_.years.set(years)
    sections = {}
    for order, item in enumerate(spec["sections"]):
        sections[item["slug"]] = models.Section.objects.update_or_create(
            round=round_,
            slug=item["slug"],
            defaults={
                "title": item["title"],
                "kind": item["kind"],
                "order": order,
                "prompt": item.get("prompt", ""),
                "shared": item.get("shared", True),
            },
        )[0]
    for order, item in enumerate(spec["sign_off_roles"]):
        models.SignOffRole.objects.update_or_create(
            round=round_,
            slug=item["slug"],
            defaults={
                "title": item["title"],
                "order": order,
                "one_per_ccg": item.get("one_per_ccg", False),
            },
        )
    _load_conditions(round_, spec["conditions"])
    _load_funding_sources(round_, spec["funding_sources"])
    _load_lists(round_, spec["lists"])
    for order, item in enumerate(spec["metrics"]):
        _load_metric(round_, order, item, years)
    for order, item in enumerate(spec["kloes"]):
        models.KeyLineOfEnquiry.objects.update_or_create(
            round=round_,
            code=item["code"],
            defaults={
                "question": item["question"],
                "order": order,
                "section": sections.get(item.get("section")),
            },
        )
    for order, code in enumerate(spec["rules"]):
        models.RoundRule.objects.update_or_create(
            round=round_, code=code, defaults={"order": order}
        )
    return round_


def _load_conditions(round_, conditions):
    for order, item in enumerate(conditions):
        condition, _ = models.NationalCondition.objects.update_or_create(
            round=round_,
            code=item["code"],
            defaults={
                "title": item["title"],
                "description": item.get("description", ""),
                "order": order,
            },
        )
        for q_order, question in enumerate(item["questions"]):
            models.ConditionQuestion.objects.update_or_create(
                condition=condition,
                key=question["key"],
                defaults={
                    "text": question["text"],
                    "answer_type": question["answer_type"],
                    "required": question.get("required", True),
                    "order": q_order,
                },
            )


def _load_funding_sources(round_, sources):
    by_code = {}
    for order, item in enumerate(sources):
        by_code[item["code"]] = models.FundingSource.objects.update_or_create(
            round=round_,
            code=item["code"],
            defaults={
                "name": item["name"],
                "order": order,
                "report_group": item["report_group"],
                "parent": by_code[item["parent"]] if item.get("parent") else None,
                "is_ccg_minimum": item.get("is_ccg_minimum", False),
                "is_dfg": item.get("is_dfg", False),
            },
        )[0]


def _load_lists(round_, lists):
    for order, name in enumerate(lists["scheme_types"]):
        models.SchemeType.objects.update_or_create(
            round=round_, name=name, defaults={"order": order, "is_other": name == "Other"}
        )
    for order, item in enumerate(lists["areas_of_spend"]):
        models.AreaOfSpend.objects.update_or_create(
            round=round_,
            name=item["name"],
            defaults={
                "order": order,
                "counts_as_social_care": item.get("social_care", False),
                "counts_as_out_of_hospital": item.get("out_of_hospital", False),
            },
        )
    for order, item in enumerate(lists["commissioners"]):
        models.CommissionerType.objects.update_or_create(
            round=round_,
            name=item["name"],
            defaults={
                "order": order,
                "is_nhs": item.get("nhs", False),
                "is_joint": item.get("joint", False),
            },
        )
    for model, key in (
        (models.ProviderType, "provider_types"),
        (models.HighImpactChange, "hicm_changes"),
        (models.MaturityLevel, "maturity_levels"),
    ):
        for order, name in enumerate(lists[key]):
            model.objects.update_or_create(round=round_, name=name, defaults={"order": order})


def _load_metric(round_, order, item, years):
    fields = {k: item[k] for k in ("name", "unit", "granularity", "better")}
    for key in ("description", "numerator_label", "denominator_label", "age_band"):
        fields[key] = item.get(key, "")
    fields.update(
        rate_base=item.get("rate_base"),
        is_local=item.get("is_local", False),
        payment_for_performance=item.get("payment_for_performance", False),
        required=item.get("required", True),
        order=order,
    )
    metric, _ = MetricDefinition.objects.update_or_create(
        round=round_, code=item["code"], defaults=fields
    )
    for c_order, component in enumerate(item.get("components", [])):
        MetricComponent.objects.update_or_create(
            metric=metric,
            code=component["code"],
            defaults={"name": component["name"], "order": c_order},
        )
    periods = item.get("periods") or list(generate_periods(item["granularity"], years))
    year_of = {y.start_year: y for y in years}
    for p_order, period in enumerate(periods):
        starts = period["starts"]
        fy = starts.year if starts.month >= 4 else starts.year - 1
        MetricPeriod.objects.update_or_create(
            metric=metric,
            label=period["label"],
            defaults={
                "starts": starts,
                "ends": period["ends"],
                "order": p_order,
                "year": year_of.get(fy)
                or models.FinancialYear.objects.get_or_create(start_year=fy)[0],
            },
        )


def generate_periods(granularity, years):
    """Periods covering the round's financial years (April to March)."""
    for year in years:
        y = year.start_year
        if granularity == "annual":
            yield {
                "label": year.label,
                "starts": datetime.date(y, 4, 1),
                "ends": datetime.date(y + 1, 3, 31),
            }
        elif granularity == "quarterly":
            for q in range(4):
                start = datetime.date(y + (q == 3), [4, 7, 10, 1][q], 1)
                end_month = start.month + 2
                end = datetime.date(
                    start.year, end_month, calendar.monthrange(start.year, end_month)[1]
                )
                yield {"label": f"Q{q + 1} {year.label}", "starts": start, "ends": end}
        elif granularity == "monthly":
            for m in range(12):
                month = (m + 3) % 12 + 1
                cal_year = y if month >= 4 else y + 1
                yield {
                    "label": f"{MONTHS[month]}-{cal_year % 100:02d}",
                    "starts": datetime.date(cal_year, month, 1),
                    "ends": datetime.date(cal_year, month, calendar.monthrange(cal_year, month)[1]),
                }
        else:
            raise ValueError(f"Granularity {granularity!r} needs explicit periods.")
