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


def role_of(user):
    """The user's role, or None. Cached on the user object for the request."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_bcf_role"):
        user._bcf_role = Role.objects.filter(user=user).select_related("region").first()
    return user._bcf_role


def is_national_admin(user):
    role = role_of(user)
    return user.is_authenticated and (
        user.is_superuser or (role is not None and role.kind == Role.Kind.NATIONAL_ADMIN)
    )


def area_ids(user):
    role = role_of(user)
    if role is None or role.kind not in (Role.Kind.COMMISSIONER, Role.Kind.FINANCE_OFFICER):
        return set()
    if not hasattr(user, "_bcf_area_ids"):
        user._bcf_area_ids = set(role.areas.values_list("pk", flat=True))
    return user._bcf_area_ids
