from django.db import models
from django.db.models import Q
from django.urls import reverse

from ..history import audit_trail
from .access import area_ids, is_national_admin, region_ids, sees_every_region
from .areas import Area
from .rounds import AssuranceStage, Round


class PlanNarrative(models.Model):
    """The written plan. Areas writing a joint plan share one narrative; each area
    keeps its own Plan for sign-off, finance and metrics."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="narratives")
    title = models.CharField(max_length=200)
    history = audit_trail()

    class Meta:
        ordering = ["round", "title"]

    def __str__(self):
        return self.title


class PlanQuerySet(models.QuerySet):
    def for_user(self, user):
        """Plans the user may read, the union of their roles: everything for national
        administrators; every submitted plan for national approvers; their region's
        submitted plans for assurers and moderators; their own areas' plans for area
        staff. Lists use this, so a list never shows what a detail page would refuse."""
        if is_national_admin(user):
            return self
        visible = Q(area__in=area_ids(user))
        if sees_every_region(user):
            visible |= Q(status__in=REVIEWABLE_STATUSES)
        regions = region_ids(user)
        if regions:
            visible |= Q(area__region__in=regions, status__in=REVIEWABLE_STATUSES)
        return self.filter(visible)


class Plan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting sign-off"
        SUBMITTED = "submitted", "Submitted"
        IN_ASSURANCE = "in_assurance", "In assurance"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
        NOT_APPROVED = "not_approved", "Not approved"

    EDITABLE_STATUSES = (Status.DRAFT, Status.CHANGES_REQUESTED)

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="plans")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="plans")
    narrative = models.ForeignKey(PlanNarrative, on_delete=models.PROTECT, related_name="plans")
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.DRAFT)
    boundary_differences = models.TextField(blank=True)
    date_agreed_at_hwb = models.DateField(
        "date agreed at Health and Wellbeing Board", null=True, blank=True
    )
    date_submitted = models.DateField(null=True, blank=True)
    # Where the plan is in its round's assurance while it is in assurance.
    assurance_stage = models.ForeignKey(
        AssuranceStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A round's outcome category can say more than the status it leads to ("Approved
    # with support" approves); people must read the decision as it was made.
    outcome_label = models.CharField(max_length=200, blank=True, editable=False)
    lock_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = audit_trail(excluded_fields=["updated_at"])

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["round", "area__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "area"], name="plan_one_per_area_and_round"),
        ]

    def __str__(self):
        return f"{self.area} {self.round.slug}"

    def get_absolute_url(self):
        return reverse("plans:plan", args=[self.round.slug, self.area.slug])

    @property
    def is_editable(self):
        return self.status in self.EDITABLE_STATUSES

    @property
    def status_label(self) -> str:
        """The status as people should read it: the outcome's own words once decided."""
        return self.outcome_label or self.get_status_display()


# Reviewers see a plan once it has been submitted; drafts stay with the area.
REVIEWABLE_STATUSES = (
    Plan.Status.SUBMITTED,
    Plan.Status.IN_ASSURANCE,
    Plan.Status.CHANGES_REQUESTED,
    Plan.Status.APPROVED,
    Plan.Status.APPROVED_WITH_CONDITIONS,
    Plan.Status.NOT_APPROVED,
)


class SignOff(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sign_offs")
    role = models.ForeignKey("plans.SignOffRole", on_delete=models.PROTECT)
    organisation = models.CharField(max_length=200)
    signed_by = models.CharField(max_length=200, blank=True)
    position = models.CharField(max_length=200, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    history = audit_trail()

    class Meta:
        ordering = ["plan", "role__order", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "role", "organisation"], name="signoff_unique_per_organisation"
            ),
        ]

    def __str__(self):
        return f"{self.role}: {self.organisation}"

    @property
    def is_complete(self):
        return bool(self.signed_by and self.position and self.signed_on)


class NarrativeAnswer(models.Model):
    narrative = models.ForeignKey(PlanNarrative, on_delete=models.CASCADE, related_name="answers")
    section = models.ForeignKey("plans.Section", on_delete=models.PROTECT)
    text = models.TextField(blank=True)
    history = audit_trail()

    class Meta:
        ordering = ["narrative", "section__order"]
        constraints = [
            models.UniqueConstraint(fields=["narrative", "section"], name="answer_one_per_section"),
        ]

    def __str__(self):
        return f"{self.narrative}: {self.section.title}"


class ConditionAnswer(models.Model):
    narrative = models.ForeignKey(
        PlanNarrative, on_delete=models.CASCADE, related_name="condition_answers"
    )
    question = models.ForeignKey("plans.ConditionQuestion", on_delete=models.PROTECT)
    confirmed = models.BooleanField(null=True, blank=True)
    in_place_by = models.DateField(null=True, blank=True)
    text = models.TextField(blank=True)
    percentage = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    history = audit_trail()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["narrative", "question"], name="condition_answer_one_per_question"
            ),
            models.CheckConstraint(
                condition=Q(percentage__isnull=True) | Q(percentage__gte=0, percentage__lte=100),
                name="condition_answer_percentage_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.narrative}: {self.question}"


class Risk(models.Model):
    class Rating(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"
        RED = "red", "Red"
        AMBER = "amber", "Amber"
        GREEN = "green", "Green"

    narrative = models.ForeignKey(PlanNarrative, on_delete=models.CASCADE, related_name="risks")
    reference = models.CharField(max_length=20)
    description = models.TextField()
    mitigation = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    impact = models.PositiveSmallIntegerField(null=True, blank=True)
    rating = models.CharField(
        max_length=6,
        choices=Rating.choices,
        blank=True,
        help_text="A judgement after mitigation; not derived from the score.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    history = audit_trail()

    class Meta:
        ordering = ["narrative", "order"]
        constraints = [
            models.UniqueConstraint(fields=["narrative", "reference"], name="risk_unique_ref"),
            models.CheckConstraint(
                condition=Q(likelihood__isnull=True) | Q(likelihood__gte=1, likelihood__lte=5),
                name="risk_likelihood_1_5",
            ),
            models.CheckConstraint(
                condition=Q(impact__isnull=True) | Q(impact__gte=1, impact__lte=5),
                name="risk_impact_1_5",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.description[:60]}"

    @property
    def score(self):
        if self.likelihood is None or self.impact is None:
            return None
        return self.likelihood * self.impact


class Milestone(models.Model):
    narrative = models.ForeignKey(
        PlanNarrative, on_delete=models.CASCADE, related_name="milestones"
    )
    reference = models.CharField(max_length=20)
    action = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    year = models.ForeignKey("plans.FinancialYear", null=True, blank=True, on_delete=models.PROTECT)
    due_date = models.DateField(null=True, blank=True)
    due_note = models.CharField(max_length=200, blank=True, help_text='E.g. "TBC", "w/c 9 Oct".')
    order = models.PositiveSmallIntegerField(default=0)
    history = audit_trail()

    class Meta:
        ordering = ["narrative", "order"]

    def __str__(self):
        return f"{self.reference} {self.action}"


class HighImpactChangeAssessment(models.Model):
    narrative = models.ForeignKey(
        PlanNarrative, on_delete=models.CASCADE, related_name="hicm_assessments"
    )
    change = models.ForeignKey("plans.HighImpactChange", on_delete=models.PROTECT)
    maturity = models.ForeignKey(
        "plans.MaturityLevel", null=True, blank=True, on_delete=models.PROTECT
    )
    maturity_note = models.CharField(max_length=300, blank=True)
    actions = models.TextField("what you need to do", blank=True)
    due = models.CharField("when it will be done by", max_length=200, blank=True)
    success_measures = models.TextField("how you will know it worked", blank=True)
    history = audit_trail()

    class Meta:
        ordering = ["narrative", "change__order"]
        constraints = [
            models.UniqueConstraint(fields=["narrative", "change"], name="hicm_one_per_change"),
        ]

    def __str__(self):
        return f"{self.narrative}: {self.change}"


class RelatedDocument(models.Model):
    narrative = models.ForeignKey(
        PlanNarrative, on_delete=models.CASCADE, related_name="related_documents"
    )
    reference = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=300)
    synopsis = models.TextField(blank=True)
    link = models.URLField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    history = audit_trail()

    class Meta:
        ordering = ["narrative", "order"]

    def __str__(self):
        return self.title
