from django.db import models
from django.db.models import F, Q

from plans.fields import MoneyField
from plans.history import audit_trail


def lead_provider_display(lead: str, joint: str) -> str:
    if lead and joint:
        return f"{lead} and {joint} (joint)"
    return lead or joint


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
    joint_lead_provider = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where two providers lead the scheme jointly, the second of them.",
    )
    metrics = models.ManyToManyField("metrics.MetricDefinition", blank=True, related_name="schemes")
    order = models.PositiveIntegerField(default=0)
    lock_version = models.PositiveIntegerField(default=0, editable=False)
    history = audit_trail()

    class Meta:
        ordering = ["plan", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="scheme_unique_id_in_plan"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def lead_provider_display(self):
        """ "A", or "A and B (joint)" where two providers lead it jointly."""
        return lead_provider_display(self.lead_provider, self.joint_lead_provider)

    @property
    def type_display(self):
        if self.scheme_type and self.scheme_type.is_other and self.scheme_type_other:
            return f"Other: {self.scheme_type_other}"
        return str(self.scheme_type or "")


class ExpenditureLine(models.Model):
    """Planned spending of one scheme, from one funding source, in one year."""

    class Recurrence(models.TextChoices):
        RECURRENT = "recurrent", "Recurrent"
        NON_RECURRENT = "non_recurrent", "Non-recurrent"

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="expenditure_lines")
    source = models.ForeignKey("plans.FundingSource", on_delete=models.PROTECT)
    year = models.ForeignKey("plans.FinancialYear", on_delete=models.PROTECT)
    amount = MoneyField()
    area_of_spend = models.ForeignKey(
        "plans.AreaOfSpend", null=True, blank=True, on_delete=models.PROTECT
    )
    commissioner = models.ForeignKey(
        "plans.CommissionerType", null=True, blank=True, on_delete=models.PROTECT
    )
    nhs_share = models.DecimalField("% NHS", max_digits=5, decimal_places=2, null=True, blank=True)
    la_share = models.DecimalField("% LA", max_digits=5, decimal_places=2, null=True, blank=True)
    provider_type = models.ForeignKey(
        "plans.ProviderType", null=True, blank=True, on_delete=models.PROTECT
    )
    provider = models.CharField(max_length=200, blank=True)
    recurrence = models.CharField(
        max_length=13, choices=Recurrence.choices, default=Recurrence.RECURRENT
    )
    # The lines were first modelled in `finance`; the tables kept their names when the
    # model moved to the scheme it belongs to (no data moved).
    history = audit_trail(table_name="finance_historicalexpenditureline")

    class Meta:
        db_table = "finance_expenditureline"
        ordering = ["scheme", "year", "source__order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="expenditure_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(nhs_share__isnull=True) & Q(la_share__isnull=True))
                | Q(nhs_share__gte=0, la_share__gte=0, nhs_share__lte=100, la_share__lte=100)
                & Q(nhs_share=100 - F("la_share")),
                name="expenditure_joint_shares_total_100",
            ),
        ]

    def __str__(self):
        return f"{self.scheme} {self.year} {self.source}: £{self.amount:,}"
