"""The metrics part of a round's reference file: definitions, components, periods."""

from plans.models import FinancialYear, Round
from plans.reference.loader import generate_periods

from .models import MetricComponent, MetricDefinition, MetricPeriod


def load_metrics(round_: Round, items: list, years: list[FinancialYear]) -> None:
    for order, item in enumerate(items):
        _load_metric(round_, order, item, years)


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
                "year": year_of.get(fy) or FinancialYear.objects.get_or_create(start_year=fy)[0],
            },
        )
