"""Returns, read-only, in the JSON API (/api/returns/, registered in bcfplans.urls):
submitted returns of the plans the user may see, and drafts to the area's own staff
and national administrators, as the pages show them. A fixed number of queries."""

from django.db.models import Q
from rest_framework import serializers, viewsets

from plans import permissions

from .models import MetricReport, PlanReturn


class MetricActualSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="period.metric.code")
    period = serializers.CharField(source="period.label")

    class Meta:
        model = MetricReport
        fields = ["metric", "period", "value", "numerator", "denominator"]


class ReturnSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="plan_id")
    round = serializers.CharField(source="plan.round.slug")
    area = serializers.CharField(source="plan.area.slug")
    period = serializers.CharField(source="period.slug")
    label = serializers.CharField(source="period.label")
    due = serializers.DateField(source="period.due")
    reference = serializers.CharField()
    metric_actuals = MetricActualSerializer(source="metrics", many=True)

    class Meta:
        model = PlanReturn
        fields = [
            "id",
            "reference",
            "plan",
            "round",
            "area",
            "period",
            "label",
            "due",
            "status",
            "submitted_at",
            "section_75_in_place",
            "metric_actuals",
        ]


class ReturnViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReturnSerializer

    def get_queryset(self):
        user = self.request.user
        plans = permissions.visible_plans(user)
        own = Q(plan__area__in=permissions.area_ids(user))
        visible = Q(status=PlanReturn.Status.SUBMITTED) | own
        if permissions.is_national_admin(user):
            visible = Q()
        found = PlanReturn.objects.filter(plan__in=plans).filter(visible)
        for name, lookup in (("round", "plan__round__slug"), ("period", "period__slug")):
            value = self.request.query_params.get(name)
            if value:
                found = found.filter(**{lookup: value})
        return (
            found.select_related("plan__round", "plan__area", "period")
            .prefetch_related("metrics__period__metric")
            .order_by("pk")
        )
