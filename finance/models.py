from django.db import models
from django.db.models import Q

from plans.fields import MoneyField
from plans.history import audit_trail


class IncomeLine(models.Model):
    """Money into the pool for one area, from one funding source, in one year."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="income_lines")
    source = models.ForeignKey("plans.FundingSource", on_delete=models.PROTECT)
    year = models.ForeignKey("plans.FinancialYear", on_delete=models.PROTECT)
    amount = MoneyField()
    note = models.CharField(max_length=300, blank=True)
    history = audit_trail()

    class Meta:
        ordering = ["plan", "year", "source__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "source", "year"], name="income_one_per_source_and_year"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="income_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.plan} {self.year} {self.source}: £{self.amount:,}"


class MinimumAllocation(models.Model):
    """A nationally set minimum for one area and year. Set by administrators."""

    class Kind(models.TextChoices):
        POOLED_BUDGET = "pooled_budget", "Minimum pooled budget"
        SOCIAL_CARE = "social_care", "Protection of social care"
        OUT_OF_HOSPITAL = "out_of_hospital", "NHS out-of-hospital ring-fence"
        DFG = "dfg", "Disabled Facilities Grant"
        CCG_MINIMUM = "ccg_minimum", "CCG minimum contribution"

    area = models.ForeignKey(
        "plans.Area", on_delete=models.CASCADE, related_name="minimum_allocations"
    )
    year = models.ForeignKey("plans.FinancialYear", on_delete=models.PROTECT)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = MoneyField()
    history = audit_trail()

    class Meta:
        ordering = ["area", "year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year", "kind"], name="minimum_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="minimum_not_negative"),
        ]

    def __str__(self):
        return f"{self.area} {self.year} {self.get_kind_display()}: £{self.amount:,}"


class TemplateUpload(models.Model):
    """An uploaded planning template, kept whether or not it imported, so support can
    reproduce a problem from its reference number."""

    class Outcome(models.TextChoices):
        IMPORTED = "imported", "Imported"
        UNCHANGED = "unchanged", "No changes"
        REFUSED = "refused", "Not imported"

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="uploads")
    uploaded_by = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="uploads/%Y/%m/", blank=True)
    outcome = models.CharField(max_length=9, choices=Outcome.choices)
    problems = models.JSONField(default=list, blank=True)
    changes = models.PositiveIntegerField(default=0)
    # What the import changed, in words ("H1 iBCF 2017/18: £600,000 → £650,000").
    change_list = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.reference} {self.filename} ({self.get_outcome_display()})"

    @property
    def reference(self):
        return f"UP-{self.pk:06d}" if self.pk else "UP-new"
