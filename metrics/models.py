from django.conf import settings
from django.db import models
from django.db.models import Q

from plans.fields import MoneyField
from plans.history import audit_trail

VALUE = {"max_digits": 14, "decimal_places": 2, "null": True, "blank": True}


class MetricDefinition(models.Model):
    class Unit(models.TextChoices):
        COUNT = "count", "Count"
        RATE = "rate", "Rate per population"
        PERCENTAGE = "percentage", "Percentage"

    class Granularity(models.TextChoices):
        ANNUAL = "annual", "Annual"
        QUARTERLY = "quarterly", "Quarterly"
        MONTHLY = "monthly", "Monthly"
        CUSTOM = "custom", "Periods set by the round"

    class Better(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    round = models.ForeignKey("plans.Round", on_delete=models.CASCADE, related_name="metrics")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices)
    rate_base = models.PositiveIntegerField(null=True, blank=True, help_text="E.g. 100000.")
    numerator_label = models.CharField(max_length=200, blank=True)
    denominator_label = models.CharField(max_length=200, blank=True)
    age_band = models.CharField(max_length=20, blank=True, help_text='E.g. "65+", "18+".')
    granularity = models.CharField(max_length=9, choices=Granularity.choices)
    better = models.CharField(max_length=6, choices=Better.choices)
    is_local = models.BooleanField(default=False, help_text="Chosen by the area.")
    required = models.BooleanField(default=True)
    payment_for_performance = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round", "order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="metric_unique_code"),
            models.CheckConstraint(
                condition=~Q(unit="rate") | Q(rate_base__isnull=False),
                name="metric_rate_has_base",
            ),
        ]

    def __str__(self):
        return self.name


class MetricComponent(models.Model):
    """A part a count is planned by, e.g. delayed days attributed to the NHS."""

    metric = models.ForeignKey(
        MetricDefinition, on_delete=models.CASCADE, related_name="components"
    )
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["metric", "order"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "code"], name="component_unique_code"),
        ]

    def __str__(self):
        return self.name


class MetricPeriod(models.Model):
    metric = models.ForeignKey(MetricDefinition, on_delete=models.CASCADE, related_name="periods")
    label = models.CharField(max_length=30)
    starts = models.DateField()
    ends = models.DateField()
    year = models.ForeignKey("plans.FinancialYear", on_delete=models.PROTECT)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["metric", "order"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "label"], name="period_unique_label"),
            models.CheckConstraint(
                condition=Q(ends__gte=models.F("starts")), name="period_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.label


class MetricBaseline(models.Model):
    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="baselines")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.PROTECT)
    period_label = models.CharField(max_length=60)
    value = models.DecimalField(**VALUE)
    numerator = models.DecimalField(**VALUE)
    denominator = models.DecimalField(**VALUE)
    history = audit_trail()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "metric"], name="baseline_one_per_metric"),
        ]

    def __str__(self):
        return f"{self.plan} {self.metric} baseline"


class MetricTrajectory(models.Model):
    """A planned series for one metric. A plan may hold alternatives (e.g. a flat and
    a seasonally adjusted profile); exactly one is the plan."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="trajectories")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.PROTECT)
    name = models.CharField(max_length=100, default="Plan")
    is_plan = models.BooleanField(default=True)
    history = audit_trail()

    class Meta:
        ordering = ["plan", "metric__order", "-is_plan", "name"]
        verbose_name_plural = "metric trajectories"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "metric", "name"], name="trajectory_unique_name"
            ),
            models.UniqueConstraint(
                fields=["plan", "metric"],
                condition=Q(is_plan=True),
                name="trajectory_one_plan_per_metric",
            ),
        ]

    def __str__(self):
        return f"{self.plan} {self.metric}: {self.name}"


class MetricPlanValue(models.Model):
    trajectory = models.ForeignKey(
        MetricTrajectory, on_delete=models.CASCADE, related_name="values"
    )
    period = models.ForeignKey(MetricPeriod, on_delete=models.PROTECT)
    value = models.DecimalField(**VALUE)
    numerator = models.DecimalField(**VALUE)
    denominator = models.DecimalField(**VALUE)
    history = audit_trail()

    class Meta:
        ordering = ["trajectory", "period__order"]
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "period"], name="plan_value_unique"),
        ]

    def __str__(self):
        return f"{self.trajectory} {self.period}: {self.value}"


class MetricComponentValue(models.Model):
    trajectory = models.ForeignKey(
        MetricTrajectory, on_delete=models.CASCADE, related_name="component_values"
    )
    period = models.ForeignKey(MetricPeriod, on_delete=models.PROTECT)
    component = models.ForeignKey(MetricComponent, on_delete=models.PROTECT)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    history = audit_trail()

    class Meta:
        ordering = ["trajectory", "period__order", "component__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["trajectory", "period", "component"], name="component_value_unique"
            ),
        ]

    def __str__(self):
        return f"{self.trajectory} {self.period} {self.component}: {self.value}"


class MetricActual(models.Model):
    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="actuals")
    period = models.ForeignKey(MetricPeriod, on_delete=models.PROTECT)
    value = models.DecimalField(**VALUE)
    numerator = models.DecimalField(**VALUE)
    denominator = models.DecimalField(**VALUE)
    history = audit_trail()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "period"], name="actual_unique"),
        ]

    def __str__(self):
        return f"{self.plan} {self.period} actual: {self.value}"


class PerformanceContingency(models.Model):
    """2014-16 payment for performance: what is saved if the target is met, and the
    most that other services need if it is not."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="contingencies")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.PROTECT)
    # For 2015/16, the year part of the fund is paid for performance ...
    planned_savings = MoneyField(null=True, blank=True)
    maximum_support = MoneyField(null=True, blank=True)
    # ... and each year after it ("ongoing"), as the 2014-16 template asks.
    ongoing_savings = MoneyField(null=True, blank=True)
    ongoing_support = MoneyField(null=True, blank=True)
    history = audit_trail()

    class Meta:
        verbose_name_plural = "performance contingencies"
        constraints = [
            models.UniqueConstraint(fields=["plan", "metric"], name="contingency_unique"),
        ]

    def __str__(self):
        return f"{self.plan} {self.metric} contingency"


class MetricYearTarget(models.Model):
    """A year's target for a metric the round plans by month, where the area sets an
    annual figure and no monthly profile (BHR 11.6: Barking and Dagenham's delayed
    transfers, 2,322.6 per 100,000 in 2017/18). It plans every period of its year."""

    trajectory = models.ForeignKey(
        MetricTrajectory, on_delete=models.CASCADE, related_name="year_targets"
    )
    year = models.ForeignKey("plans.FinancialYear", on_delete=models.PROTECT)
    value = models.DecimalField(**VALUE)
    numerator = models.DecimalField(**VALUE)
    denominator = models.DecimalField(**VALUE)
    history = audit_trail()

    class Meta:
        ordering = ["trajectory", "year__start_year"]
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "year"], name="year_target_unique"),
        ]

    def __str__(self):
        return f"{self.trajectory} {self.year}: {self.value}"


class LocalMetric(models.Model):
    """What an area's local metric is: its own name, definition and units (Barnet and
    others chose their own in 2014-16)."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="local_metrics")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.PROTECT)
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    units = models.CharField(max_length=100, blank=True, help_text='E.g. "per 100,000 aged 65+".')
    history = audit_trail()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "metric"], name="local_metric_one_per_plan"),
        ]

    def __str__(self):
        return f"{self.plan} local metric: {self.name}"


class MetricLock(models.Model):
    """The optimistic lock of one metric of a plan (plans/locking.py): every save of
    the metric's page names the version it read, so two people editing different
    metrics never conflict and two editing the same one do. No row yet is version 0;
    the first save creates it under the unique constraint."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="metric_locks")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.CASCADE, related_name="+")
    lock_version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "metric"], name="metric_lock_one_per_metric"),
        ]

    def __str__(self):
        return f"{self.plan} {self.metric} lock {self.lock_version}"
