"""The read-only JSON API at /api/ (Django REST framework, OpenAPI by
drf-spectacular). Token or session authentication; the same visibility rules as the
pages, through plans.permissions.visible_plans. Every list is paginated and runs a
fixed number of queries."""

import re

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import routers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from finance.models import IncomeLine
from metrics.models import MetricPlanValue
from plans import permissions
from plans.findings import plan_findings
from plans.models import Area, Plan, Round
from schemes.models import ExpenditureLine, Scheme


class RoundSerializer(serializers.ModelSerializer):
    years = serializers.SlugRelatedField(many=True, read_only=True, slug_field="label")

    class Meta:
        model = Round
        fields = ["slug", "name", "years", "is_open", "amounts_in_thousands"]


class AreaSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.name")

    class Meta:
        model = Area
        fields = ["slug", "name", "ons_code", "region"]


class PlanSerializer(serializers.ModelSerializer):
    round = serializers.CharField(source="round.slug")
    area = serializers.CharField(source="area.slug")
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = Plan
        fields = ["id", "round", "area", "status", "date_agreed_at_hwb", "date_submitted", "url"]


class SchemeSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="plan_id")
    scheme_type = serializers.CharField(source="scheme_type.name", default=None)

    class Meta:
        model = Scheme
        fields = [
            "id",
            "plan",
            "code",
            "name",
            "theme",
            "scheme_type",
            "scheme_type_other",
            "lead_provider",
            "joint_lead_provider",
        ]


class IncomeLineSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="plan_id")
    source = serializers.CharField(source="source.code")
    year = serializers.CharField(source="year.label")

    class Meta:
        model = IncomeLine
        fields = ["id", "plan", "source", "year", "amount"]


class ExpenditureLineSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="scheme.plan_id")
    scheme = serializers.CharField(source="scheme.code")
    source = serializers.CharField(source="source.code")
    year = serializers.CharField(source="year.label")
    area_of_spend = serializers.CharField(source="area_of_spend.name", default=None)
    commissioner = serializers.CharField(source="commissioner.name", default=None)

    class Meta:
        model = ExpenditureLine
        fields = [
            "id",
            "plan",
            "scheme",
            "source",
            "year",
            "amount",
            "area_of_spend",
            "commissioner",
            "nhs_share",
            "la_share",
            "provider",
            "recurrence",
        ]


class MetricValueSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="trajectory.plan_id")
    metric = serializers.CharField(source="trajectory.metric.code")
    trajectory = serializers.CharField(source="trajectory.name")
    is_plan = serializers.BooleanField(source="trajectory.is_plan")
    period = serializers.CharField(source="period.label")

    class Meta:
        model = MetricPlanValue
        fields = [
            "id",
            "plan",
            "metric",
            "trajectory",
            "is_plan",
            "period",
            "value",
            "numerator",
            "denominator",
        ]


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    where = serializers.CharField()


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    def visible(self):
        return permissions.visible_plans(self.request.user)


class RoundViewSet(ReadOnly):
    serializer_class = RoundSerializer
    queryset = Round.objects.prefetch_related("years").order_by("slug")
    lookup_field = "slug"


class AreaViewSet(ReadOnly):
    serializer_class = AreaSerializer
    queryset = Area.objects.select_related("region").order_by("name")
    lookup_field = "slug"


# A slug that reverse() puts in a path as it is (it percent-encodes anything else).
PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class PlanUrls:
    """Plan.get_absolute_url from two slugs, with one reverse() per list: the path is
    reversed once around two placeholders and plain slugs go in their places; any
    other slug is reversed on its own."""

    ROUND, AREA = "round-slug-placeholder-7c1e", "area-slug-placeholder-7c1e"

    def __init__(self):
        path = reverse("plans:plan", args=[self.ROUND, self.AREA])
        before, _, rest = path.partition(self.ROUND)
        between, _, after = rest.partition(self.AREA)
        self.parts = (before, between, after)

    def __call__(self, round_slug: str, area_slug: str) -> str:
        if PLAIN_SLUG.fullmatch(round_slug) and PLAIN_SLUG.fullmatch(area_slug):
            before, between, after = self.parts
            return f"{before}{round_slug}{between}{area_slug}{after}"
        return reverse("plans:plan", args=[round_slug, area_slug])


# Where PlanSerializer's fields read their values in a row of .values() (url apart).
PLAN_VALUES = {
    "id": "id",
    "round": "round__slug",
    "area": "area__slug",
    "status": "status",
    "date_agreed_at_hwb": "date_agreed_at_hwb",
    "date_submitted": "date_submitted",
}


def plan_rows(rows, fields) -> list[dict]:
    """Rows of .values() as PlanSerializer shows plans: the same fields in the same
    order, each through its own field's to_representation (None stays None, as in
    Serializer.to_representation); no model instances are made."""
    url = PlanUrls()
    readers = []
    for name, field in fields.items():
        if name == "url":
            readers.append((name, field.to_representation, None))
        else:
            readers.append((name, field.to_representation, PLAN_VALUES[name]))
    out = []
    for row in rows:
        shown = {}
        for name, represent, key in readers:
            value = url(row["round__slug"], row["area__slug"]) if key is None else row[key]
            shown[name] = None if value is None else represent(value)
        out.append(shown)
    return out


class PlanViewSet(ReadOnly):
    serializer_class = PlanSerializer

    # The page of plans, read with .values() and shown as PlanSerializer shows them
    # (plan_rows); the schema and the detail view still use PlanSerializer. (A comment,
    # not a docstring: drf-spectacular would put a docstring in the OpenAPI schema.)
    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset()).values(*PLAN_VALUES.values())
        page = self.paginate_queryset(rows)
        data = plan_rows(page if page is not None else rows, self.get_serializer().fields)
        return self.get_paginated_response(data) if page is not None else Response(data)

    def get_queryset(self):
        plans = self.visible().select_related("round", "area").order_by("round__slug", "area__name")
        for name in ("round", "status"):
            value = self.request.query_params.get(name)
            if value:
                plans = plans.filter(
                    **({"round__slug": value} if name == "round" else {name: value})
                )
        return plans

    @extend_schema(responses=FindingSerializer(many=True))
    @action(detail=True)
    def findings(self, request, pk=None):
        """Every finding of the round's rules for the plan."""
        return Response(FindingSerializer(plan_findings(self.get_object()), many=True).data)


class SchemeViewSet(ReadOnly):
    serializer_class = SchemeSerializer

    def get_queryset(self):
        return (
            Scheme.objects.filter(plan__in=self.visible())
            .select_related("scheme_type")
            .order_by("pk")
        )


class IncomeLineViewSet(ReadOnly):
    serializer_class = IncomeLineSerializer

    def get_queryset(self):
        return (
            IncomeLine.objects.filter(plan__in=self.visible())
            .select_related("source", "year")
            .order_by("pk")
        )


class ExpenditureLineViewSet(ReadOnly):
    serializer_class = ExpenditureLineSerializer

    def get_queryset(self):
        return (
            ExpenditureLine.objects.filter(scheme__plan__in=self.visible())
            .select_related("scheme", "source", "year", "area_of_spend", "commissioner")
            .order_by("pk")
        )


class MetricValueViewSet(ReadOnly):
    serializer_class = MetricValueSerializer

    def get_queryset(self):
        return (
            MetricPlanValue.objects.filter(trajectory__plan__in=self.visible())
            .select_related("trajectory", "trajectory__metric", "period")
            .order_by("pk")
        )


router = routers.DefaultRouter()
router.register("rounds", RoundViewSet)
router.register("areas", AreaViewSet)
router.register("plans", PlanViewSet, basename="plan")
router.register("schemes", SchemeViewSet, basename="scheme")
router.register("income-lines", IncomeLineViewSet, basename="income-line")
router.register("expenditure-lines", ExpenditureLineViewSet, basename="expenditure-line")
router.register("metric-values", MetricValueViewSet, basename="metric-value")
