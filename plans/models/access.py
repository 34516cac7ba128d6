from django.conf import settings
from django.db import models
from django.db.models import Q

from .areas import Area, Region


class Role(models.Model):
    """What a user may do, and where (DESIGN.md section 4)."""

    class Kind(models.TextChoices):
        COMMISSIONER = "commissioner", "Commissioner (area editor)"
        FINANCE_OFFICER = "finance_officer", "Finance officer"
        REVIEWER = "reviewer", "Assurance reviewer"
        NATIONAL_ADMIN = "national_admin", "National administrator"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    areas = models.ManyToManyField(Area, blank=True, related_name="roles")
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="reviewers"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="reviewer") | Q(region__isnull=False),
                name="role_reviewer_has_region",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_kind_display()})"
