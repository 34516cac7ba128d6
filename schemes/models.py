from django.db import models
from simple_history.models import HistoricalRecords


class SchemeQuerySet(models.QuerySet):
    def for_plan(self, plan):
        return self.filter(plan=plan)


class Scheme(models.Model):
    """A funded line of work in one area's plan."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="schemes")
    code = models.CharField("scheme ID", max_length=30)
    name = models.CharField(max_length=200)
    theme = models.CharField(
        max_length=200,
        blank=True,
        help_text="The local programme theme the scheme is reported under.",
    )
    scheme_type = models.ForeignKey(
        "plans.SchemeType", null=True, blank=True, on_delete=models.PROTECT
    )
    scheme_type_other = models.CharField("other scheme type", max_length=200, blank=True)
    description = models.TextField(blank=True)
    objectives = models.TextField(blank=True)
    lead_commissioner = models.ForeignKey(
        "plans.CommissionerType", null=True, blank=True, on_delete=models.PROTECT
    )
    lead_provider = models.CharField(max_length=200, blank=True)
    metrics = models.ManyToManyField("metrics.MetricDefinition", blank=True, related_name="schemes")
    order = models.PositiveIntegerField(default=0)
    lock_version = models.PositiveIntegerField(default=0, editable=False)
    history = HistoricalRecords()

    objects = SchemeQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="scheme_unique_id_in_plan"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def type_display(self):
        if self.scheme_type and self.scheme_type.is_other and self.scheme_type_other:
            return f"Other: {self.scheme_type_other}"
        return str(self.scheme_type or "")
