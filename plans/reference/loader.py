"""Load areas and planning rounds from the data files beside this module.

Rounds are TOML files in rounds/; adding a round means adding a file and running
`manage.py load_reference_data`. Loading is idempotent: rows are matched on their
natural keys and updated in place.
"""

import calendar
import csv
import datetime
import tomllib
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from plans import models
from plans.findings import unknown_codes
from plans.stamps import touch

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


type RoundPart = Callable[[models.Round, list, list[models.FinancialYear]], None]

# Parts of a round's file that belong to the apps above this one (metrics), each
# registered by its app's AppConfig.ready(): {TOML key: loader(round, items, years)}.
ROUND_PARTS: dict[str, RoundPart] = {}


def register_round_part(key: str, load_part: RoundPart) -> None:
    ROUND_PARTS[key] = load_part


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
    for key, load_part in ROUND_PARTS.items():
        load_part(round_, spec.get(key, []), years)
    for order, item in enumerate(spec["kloes"]):
        models.KeyLineOfEnquiry.objects.update_or_create(
            round=round_,
            code=item["code"],
            defaults={
                "question": item["question"],
                "theme": item.get("theme", ""),
                "guidance": item.get("guidance", ""),
                "order": order,
                "section": sections.get(item.get("section")),
            },
        )
    round_.kloes.exclude(code__in=[item["code"] for item in spec["kloes"]]).filter(
        kloeassessment__isnull=True
    ).delete()
    _load_assurance(round_, spec.get("assurance", {}))
    _load_returns(round_, spec.get("returns", {}), spec.get("metrics", []))
    _load_rules(round_, spec["rules"])
    # What the round asks may have changed under plans already written in it.
    touch(round_.plans.values_list("pk", flat=True))
    return round_


ROLE_KINDS = set(models.Role.Kind.values)


def _load_assurance(round_, spec):
    """The round's assurance process: its stages in order, the outcome categories it
    can reach, and its calendar (see README "Assurance")."""
    stages = {}
    for order, item in enumerate(spec.get("stages", [])):
        unknown = set(item["roles"]) - ROLE_KINDS
        if unknown or item["kind"] not in models.AssuranceStage.Kind.values:
            raise ValueError(
                f"Round {round_.slug}, stage {item['slug']}: unknown kind or roles "
                f"{sorted(unknown) or item['kind']}."
            )
        stages[item["slug"]] = models.AssuranceStage.objects.update_or_create(
            round=round_,
            slug=item["slug"],
            defaults={
                "name": item["name"],
                "kind": item["kind"],
                "roles": item["roles"],
                "description": item.get("description", ""),
                "order": order,
            },
        )[0]
    for order, item in enumerate(spec.get("outcomes", [])):
        models.OutcomeCategory.objects.update_or_create(
            round=round_,
            code=item["code"],
            defaults={
                "label": item["label"],
                "effect": item["effect"],
                "asks": item.get("asks", ""),
                "description": item.get("description", ""),
                "order": order,
            },
        )
    for order, item in enumerate(spec.get("calendar", [])):
        models.RoundDeadline.objects.update_or_create(
            round=round_,
            slug=item["slug"],
            defaults={
                "label": item["label"],
                "kind": item["kind"],
                "due": item["due"],
                "stage": stages[item["stage"]] if item.get("stage") else None,
                "remind_days_before": item.get("remind_days_before", 7),
                "order": order,
            },
        )


def financial_year_of(day: datetime.date) -> int:
    """The start year of the financial year (April to March) a date falls in."""
    return day.year if day.month >= 4 else day.year - 1


def returns_problems(spec: dict, metrics: list) -> list[str]:
    """What is wrong with a round's `[returns]` table, in words; [] when it loads.
    The loader refuses a round with problems, and `manage.py check` names them."""
    problems = []
    known = set(models.ReturnSettings.Part.values)
    for where, parts in [("returns", spec.get("parts", []))] + [
        (f"return {item.get('slug')}", item.get("parts", [])) for item in spec.get("periods", [])
    ]:
        unknown = sorted(set(parts) - known)
        if unknown:
            problems.append(f"{where} asks for parts no return has: {', '.join(unknown)}")
    for item in spec.get("periods", []):
        if item["ends"] < item["starts"] or item["due"] < item["ends"]:
            problems.append(f"return {item['slug']} ends before it starts or is due before it ends")
        if item.get("kind", "quarterly") not in models.ReturnPeriod.Kind.values:
            problems.append(f"return {item['slug']} has the unknown kind {item.get('kind')!r}")
    performance = spec.get("performance", {})
    if performance.get("method", "") not in models.ReturnSettings.Method.values:
        problems.append(f"payment for performance has the unknown method {performance['method']!r}")
    codes = {metric["code"]: metric for metric in metrics}
    for item in performance.get("measures", []):
        metric = codes.get(item["metric"])
        if metric is None:
            problems.append(f"payment for performance names the unknown metric {item['metric']!r}")
        elif not metric.get("payment_for_performance"):
            problems.append(f"metric {item['metric']!r} is not paid for performance in this round")
    return problems


def _load_returns(round_, spec, metrics):
    """The round's returns after approval (README "Returns"): the parts each asks, the
    tolerances its figures are judged by, its periods, and any payment for
    performance. A round without `[returns]` has none."""
    problems = returns_problems(spec, metrics)
    if problems:
        raise ValueError(f"Round {round_.slug}: {'; '.join(problems)}.")
    if not spec:
        models.ReturnSettings.objects.filter(round=round_).delete()
        return
    performance = spec.get("performance", {})
    year = performance.get("year")
    models.ReturnSettings.objects.update_or_create(
        round=round_,
        defaults={
            "parts": spec.get("parts", list(models.ReturnSettings.Part.values)),
            "metric_green_within": str(spec.get("metric_green_within", 0)),
            "metric_amber_within": str(spec.get("metric_amber_within", 5)),
            "spend_green_within": str(spec.get("spend_green_within", 2)),
            "spend_amber_within": str(spec.get("spend_amber_within", 5)),
            "performance_method": performance.get("method", ""),
            "performance_year": (
                models.FinancialYear.objects.get_or_create(start_year=year)[0] if year else None
            ),
            "performance_fund_share": (
                str(performance["fund_share"]) if "fund_share" in performance else None
            ),
            "performance_threshold": str(performance.get("threshold", 0)),
        },
    )
    slugs = []
    for order, item in enumerate(spec.get("periods", [])):
        fy = models.FinancialYear.objects.get_or_create(start_year=financial_year_of(item["ends"]))[
            0
        ]
        models.ReturnPeriod.objects.update_or_create(
            round=round_,
            slug=item["slug"],
            defaults={
                "label": item["label"],
                "kind": item.get("kind", "quarterly"),
                "year": fy,
                "starts": item["starts"],
                "ends": item["ends"],
                "due": item["due"],
                "remind_days_before": item.get("remind_days_before", 7),
                "parts": item.get("parts", []),
                "order": order,
            },
        )
        slugs.append(item["slug"])
    for stale in round_.return_periods.exclude(slug__in=slugs):
        try:
            with transaction.atomic():
                stale.delete()
        except ProtectedError:  # areas have made this return: it stays
            pass
    measures = performance.get("measures", [])
    for order, item in enumerate(measures):
        models.PerformanceMeasure.objects.update_or_create(
            round=round_,
            metric_code=item["metric"],
            defaults={
                "weight": str(item["weight"]),
                "period_label": item.get("period", ""),
                "order": order,
            },
        )
    round_.performance_measures.exclude(
        metric_code__in=[item["metric"] for item in measures]
    ).delete()


def rule_specs(rules: list) -> list[tuple[str, str]]:
    """[(code, severity)] from a round's `rules`: each a code, or a table with `code`
    and a `severity` of its own ("" keeps the rule's default)."""
    return [
        (item, "") if isinstance(item, str) else (item["code"], item.get("severity", ""))
        for item in rules
    ]


def _load_rules(round_, rules):
    specs = rule_specs(rules)
    unknown = unknown_codes(code for code, _severity in specs)
    if unknown:
        # A typo must not switch a rule off: refuse the whole round instead.
        raise ValueError(
            f"Round {round_.slug} names rules that no app declares: {', '.join(unknown)}."
        )
    for order, (code, severity) in enumerate(specs):
        models.RoundRule.objects.update_or_create(
            round=round_, code=code, defaults={"order": order, "severity": severity}
        )
    round_.rules.exclude(code__in=[code for code, _severity in specs]).delete()


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
