from django.conf import settings
from django.db import models
from django.db.models import Q

from ..history import audit_trail
from .plans import Plan, PlanNarrative


class SectionProgressQuerySet(models.QuerySet):
    def for_plan(self, plan):
        """Progress rows of every section of the plan: the shared narrative's rows
        and this area's own rows."""
        return self.filter(Q(narrative=plan.narrative_id, plan__isnull=True) | Q(plan=plan))


class SectionProgress(models.Model):
    """Where the authors are with one section of a plan.

    `lock_version` is the optimistic lock: every save of the section must name the
    version it was read at, and a save against an older version is refused instead
    of silently overwriting someone else's work. Shared narrative sections of a joint
    plan have one row for the narrative (plan is null); per-area sections have one row
    per plan.
    """

    narrative = models.ForeignKey(
        PlanNarrative, on_delete=models.CASCADE, related_name="section_progress"
    )
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.CASCADE, related_name="section_progress"
    )
    section = models.ForeignKey("plans.Section", on_delete=models.PROTECT)
    lock_version = models.PositiveIntegerField(default=0)
    completed = models.BooleanField(default=False)
    changes_requested = models.BooleanField(default=False)
    changes_requested_reason = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    history = audit_trail()

    objects = SectionProgressQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "section progress"
        constraints = [
            models.UniqueConstraint(
                fields=["narrative", "section"],
                condition=Q(plan__isnull=True),
                name="progress_one_per_shared_section",
            ),
            models.UniqueConstraint(
                fields=["plan", "section"],
                condition=Q(plan__isnull=False),
                name="progress_one_per_area_section",
            ),
        ]

    def __str__(self):
        owner = self.plan or self.narrative
        return f"{owner}: {self.section.title} (v{self.lock_version})"
