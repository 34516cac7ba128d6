"""Returns after approval: what an area reports each period of its round against its
approved plan (README "Returns"). One `PlanReturn` per plan and period, with a row per
condition, source, scheme, metric period and milestone it reports on. Every part has
its own optimistic lock (`ReturnPart`), as a plan's sections do; every row keeps its
history; the events of a return are only ever added."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from plans.fields import MoneyField
from plans.history import audit_trail
from plans.models import ReturnSettings
from plans.models.workflow import AppendOnly

Part = ReturnSettings.Part
VALUE = {"max_digits": 14, "decimal_places": 2, "null": True, "blank": True}


class PlanReturn(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "In progress"
        SUBMITTED = "submitted", "Submitted"

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="returns")
    period = models.ForeignKey(
        "plans.ReturnPeriod", on_delete=models.PROTECT, related_name="returns"
    )
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.DRAFT)
    # Budget arrangements
    section_75_in_place = models.BooleanField("section 75 agreement in place", null=True)
    section_75_signed_on = models.DateField("date the agreement was signed", null=True, blank=True)
    budget_note = models.TextField(blank=True)
    # Narrative
    progress = models.TextField(blank=True)
    challenges = models.TextField(blank=True)
    support_needed = models.TextField(blank=True)
    # The Health and Wellbeing Board's sign-off of the return
    signed_by = models.CharField(max_length=200, blank=True)
    signed_position = models.CharField(max_length=200, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_trail()

    class Meta:
        ordering = ["plan", "period__ends"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "period"], name="return_one_per_period"),
        ]

    def __str__(self):
        return f"{self.plan} {self.period.label}"

    @property
    def reference(self):
        """What the area and the national team quote about this return."""
        return f"RET-{self.plan.round.slug}-{self.plan.area.slug}-{self.period.slug}".upper()

    @property
    def is_submitted(self):
        return self.status == self.Status.SUBMITTED


class ReturnPart(models.Model):
    """Where the area is with one part of a return, and that part's optimistic lock:
    every save names the version it read (plans/locking.py)."""

    plan_return = models.ForeignKey(PlanReturn, on_delete=models.CASCADE, related_name="parts")
    part = models.CharField(max_length=12, choices=Part.choices)
    lock_version = models.PositiveIntegerField(default=0)
    completed = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    history = audit_trail()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan_return", "part"], name="return_part_unique"),
        ]

    def __str__(self):
        return f"{self.plan_return}: {self.get_part_display()} (v{self.lock_version})"


class ConditionReport(models.Model):
    """Whether a national condition of the plan is still met, and why not."""

    plan_return = models.ForeignKey(PlanReturn, on_delete=models.CASCADE, related_name="conditions")
    condition = models.ForeignKey("plans.NationalCondition", on_delete=models.PROTECT)
    still_met = models.BooleanField(null=True)
    explanation = models.TextField(blank=True)
    history = audit_trail()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan_return", "condition"], name="condition_report_unique"
            ),
        ]

    def __str__(self):
        return f"{self.plan_return}: {self.condition}"


class IncomeReport(models.Model):
    """Income from one source received in the year to date, and the forecast outturn."""

    plan_return = models.ForeignKey(PlanReturn, on_delete=models.CASCADE, related_name="income")
    source = models.ForeignKey("plans.FundingSource", on_delete=models.PROTECT)
    to_date = MoneyField(null=True, blank=True)
    forecast = MoneyField(null=True, blank=True)
    history = audit_trail()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan_return", "source"], name="income_report_unique"),
            models.CheckConstraint(
                condition=(Q(to_date__isnull=True) | Q(to_date__gte=0))
                & (Q(forecast__isnull=True) | Q(forecast__gte=0)),
                name="income_report_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.plan_return}: {self.source}"


class SpendReport(models.Model):
    """A scheme's spending from one source in the year to date, and its forecast
    outturn for the year."""

    plan_return = models.ForeignKey(PlanReturn, on_delete=models.CASCADE, related_name="spend")
    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey("plans.FundingSource", on_delete=models.PROTECT)
    to_date = MoneyField(null=True, blank=True)
    forecast = MoneyField(null=True, blank=True)
    history = audit_trail()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan_return", "scheme", "source"], name="spend_report_unique"
            ),
            models.CheckConstraint(
                condition=(Q(to_date__isnull=True) | Q(to_date__gte=0))
                & (Q(forecast__isnull=True) | Q(forecast__gte=0)),
                name="spend_report_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.plan_return}: {self.scheme.code} {self.source}"


class MetricReport(models.Model):
    """The actual of one metric period: a count and population (the rate or
    percentage is computed from them), or the value itself where no counts exist."""

    plan_return = models.ForeignKey(PlanReturn, on_delete=models.CASCADE, related_name="metrics")
    period = models.ForeignKey("metrics.MetricPeriod", on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(**VALUE)
    numerator = models.DecimalField(**VALUE)
    denominator = models.DecimalField(**VALUE)
    history = audit_trail()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan_return", "period"], name="metric_report_unique"),
        ]

    def __str__(self):
        return f"{self.plan_return}: {self.period} actual {self.value}"


class MilestoneReport(models.Model):
    class Status(models.TextChoices):
        DONE = "done", "Done"
        ON_TRACK = "on_track", "On track"
        SLIPPED = "slipped", "Slipped"

    plan_return = models.ForeignKey(PlanReturn, on_delete=models.CASCADE, related_name="milestones")
    milestone = models.ForeignKey("plans.Milestone", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, blank=True)
    new_date = models.DateField("new date", null=True, blank=True)
    reason = models.TextField(blank=True)
    history = audit_trail()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan_return", "milestone"], name="milestone_report_unique"
            ),
        ]

    def __str__(self):
        return f"{self.plan_return}: {self.milestone.reference} {self.status}"


class SchemeReport(models.Model):
    class Rag(models.TextChoices):
        GREEN = "green", "Green: delivering as planned"
        AMBER = "amber", "Amber: some delay or risk"
        RED = "red", "Red: not delivering"

    plan_return = models.ForeignKey(
        PlanReturn, on_delete=models.CASCADE, related_name="scheme_delivery"
    )
    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.CASCADE, related_name="+")
    rag = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    comment = models.TextField(blank=True)
    history = audit_trail()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan_return", "scheme"], name="scheme_report_unique"),
        ]

    def __str__(self):
        return f"{self.plan_return}: {self.scheme.code} {self.rag}"


class ReturnEvent(AppendOnly):
    class Kind(models.TextChoices):
        IMPORTED = "imported", "Return template imported"
        SUBMITTED = "submitted", "Submitted"
        REOPENED = "reopened", "Reopened for correction"

    plan_return = models.ForeignKey(PlanReturn, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=9, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["plan_return", "at", "pk"]

    def __str__(self):
        return f"{self.plan_return}: {self.get_kind_display()}"


class ReturnUpload(models.Model):
    """An uploaded return template, kept whether or not it imported, so support can
    reproduce a problem from its reference number (as planning templates are)."""

    class Outcome(models.TextChoices):
        IMPORTED = "imported", "Imported"
        UNCHANGED = "unchanged", "No changes"
        REFUSED = "refused", "Not imported"

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey("plans.ReturnPeriod", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="returns/%Y/%m/", blank=True)
    outcome = models.CharField(max_length=9, choices=Outcome.choices)
    problems = models.JSONField(default=list, blank=True)
    change_list = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.reference} {self.filename} ({self.get_outcome_display()})"

    @property
    def reference(self):
        return f"RU-{self.pk:06d}" if self.pk else "RU-new"


class ReturnReminder(models.Model):
    """A reminder sent to an area before a return is due, or its notice once overdue:
    at most one of each kind per plan and period, however often the command runs."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Reminder before the due date"
        OVERDUE = "overdue", "Overdue notice"

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey("plans.ReturnPeriod", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "period", "kind"], name="return_reminder_once"),
        ]

    def __str__(self):
        return f"{self.plan} {self.period.slug}: {self.get_kind_display()}"
