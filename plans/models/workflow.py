"""Submission and assurance records. Every row here is only ever added: events,
submitted versions, KLOE assessments and recommendations are never changed, so
together they are the plan's audit trail."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .plans import Plan
from .rounds import KeyLineOfEnquiry


class AppendOnly(models.Model):
    """Rows that may be added but never changed or deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(f"{type(self).__name__} rows are never changed; add a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{type(self).__name__} rows are never deleted.")


class PlanVersion(AppendOnly):
    """An immutable snapshot of the whole plan as submitted."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="version_unique_number"),
        ]

    def __str__(self):
        return f"{self.plan} version {self.number}"

    @property
    def reference(self):
        """What the area and the national team quote about this submission."""
        return f"BCF-{self.plan.round.slug}-{self.plan.area.slug}-v{self.number}".upper()


class PlanEvent(AppendOnly):
    class Kind(models.TextChoices):
        SIGN_OFF_REQUESTED = "sign_off_requested", "Sent for sign-off"
        RETURNED_TO_DRAFT = "returned_to_draft", "Returned to draft"
        SUBMITTED = "submitted", "Submitted"
        ASSURANCE_STARTED = "assurance_started", "Assurance started"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        OUTCOME = "outcome", "Outcome recorded"
        REOPENED = "reopened", "Reopened for resubmission"

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=32, choices=Plan.Status.choices)
    to_status = models.CharField(max_length=32, choices=Plan.Status.choices)
    version = models.ForeignKey(PlanVersion, null=True, blank=True, on_delete=models.PROTECT)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "at", "pk"]

    def __str__(self):
        return f"{self.plan}: {self.get_kind_display()} ({self.at:%Y-%m-%d})"


class KloeAssessment(AppendOnly):
    """A reviewer's answer to one key line of enquiry for one version. A change is a
    new row; the latest row is the current answer and the older ones its history."""

    class Rating(models.TextChoices):
        MET = "met", "Met"
        PARTIALLY_MET = "partially_met", "Partially met"
        NOT_MET = "not_met", "Not met"

    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="assessments")
    kloe = models.ForeignKey(KeyLineOfEnquiry, on_delete=models.PROTECT)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.CharField(max_length=13, choices=Rating.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "kloe__order", "created_at", "pk"]

    def __str__(self):
        return f"{self.version} {self.kloe.code}: {self.get_rating_display()}"


class Recommendation(AppendOnly):
    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
        NOT_APPROVED = "not_approved", "Not approved"

    version = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, related_name="recommendations"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    conditions = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="approved_with_conditions") | ~models.Q(conditions=""),
                name="recommendation_conditions_stated",
            ),
        ]

    def __str__(self):
        return f"{self.version}: {self.get_outcome_display()}"
