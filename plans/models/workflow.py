"""Submission and assurance records. Every row here is only ever added: events,
submitted versions, KLOE assessments and recommendations are never changed, so
together they are the plan's audit trail."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ..history import audit_trail
from .plans import Plan
from .rounds import AssuranceStage, KeyLineOfEnquiry, OutcomeCategory


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
        ASSIGNED = "assigned", "Assurer assigned"
        ASSESSED = "assessed", "Assessment completed"
        STAGE_REACHED = "stage_reached", "Moved to the next stage"
        PROPOSED = "proposed", "Outcome proposed"
        ESCALATED = "escalated", "Escalated nationally"
        LETTER_ISSUED = "letter_issued", "Outcome letter issued"
        REMINDED = "reminded", "Deadline reminder sent"

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=32, choices=Plan.Status.choices)
    to_status = models.CharField(max_length=32, choices=Plan.Status.choices)
    version = models.ForeignKey(PlanVersion, null=True, blank=True, on_delete=models.PROTECT)
    stage = models.ForeignKey(
        AssuranceStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=20, blank=True, default="")  # the hand acted in
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "at", "pk"]

    def __str__(self):
        return f"{self.plan}: {self.get_kind_display()} ({self.at:%Y-%m-%d})"


class KloeAssessment(AppendOnly):
    """An assurer's (or the moderator's reconciled) answer to one key line of enquiry
    for one version. A change is a new row; the latest row for a version, KLOE and
    `role` is the current answer and the older ones its history."""

    class Rating(models.TextChoices):
        MET = "met", "Met"
        PARTIALLY_MET = "partially_met", "Partially met"
        NOT_MET = "not_met", "Not met"

    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="assessments")
    kloe = models.ForeignKey(KeyLineOfEnquiry, on_delete=models.PROTECT)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The hand the answer was given in: "reviewer" (NHS England), "la_assurer" or
    # "moderator", so a person holding two roles still answers once per role.
    role = models.CharField(max_length=20, blank=True, default="")
    stage = models.ForeignKey(
        AssuranceStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
    category = models.ForeignKey(
        OutcomeCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.ForeignKey(
        AssuranceStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A proposal (moderation) or the decision (the round's last stage).
    is_final = models.BooleanField(default=True)
    conditions = models.TextField(blank=True)
    support = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text="Why the proposed category was moved.")
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
        return f"{self.version}: {self.label}"

    @property
    def label(self) -> str:
        return self.category.label if self.category_id else self.get_outcome_display()


class OutcomeCondition(AppendOnly):
    """One condition of an approval, with the date by which it must be met."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="condition_items"
    )
    order = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    due = models.DateField()

    class Meta:
        ordering = ["recommendation", "order", "pk"]

    def __str__(self):
        return f"{self.text[:60]} (by {self.due:%d %B %Y})"


class OutcomeLetter(AppendOnly):
    """The letter the decision produced, kept with the version it decided."""

    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="letters")
    recommendation = models.OneToOneField(
        Recommendation, on_delete=models.PROTECT, related_name="letter"
    )
    pdf = models.FileField(upload_to="letters/%Y/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "created_at", "pk"]

    def __str__(self):
        return f"Outcome letter for {self.version}"


class AssurerAssignment(models.Model):
    """Who assures a plan in each assessing role: the regional pair. A reassignment
    changes the row; its history keeps who held it before."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(max_length=20)
    assurer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now=True)
    history = audit_trail()

    class Meta:
        ordering = ["plan", "role"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "role"], name="assignment_one_per_role"),
        ]

    def __str__(self):
        return f"{self.plan}: {self.assurer} ({self.role})"


class DeadlineNotice(AppendOnly):
    """A reminder or escalation sent for one plan and one date (a deadline of the
    round, or a condition's own): at most one of each, however often the calendar
    task runs. `key` names the date, e.g. "deadline:12" or "condition:4"."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        ESCALATION = "escalation", "Escalation"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="deadline_notices")
    key = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "key", "kind"], name="deadline_notice_once"),
        ]

    def __str__(self):
        return f"{self.plan}: {self.get_kind_display()} for {self.key}"
