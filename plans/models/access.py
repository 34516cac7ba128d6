"""Who holds which role, where. A person may hold several roles in several areas and
regions; what they may do is the union of their roles (DESIGN.md section 4)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .areas import Area, Region


class Role(models.Model):
    class Kind(models.TextChoices):
        COMMISSIONER = "commissioner", "Commissioner (area editor)"
        FINANCE_OFFICER = "finance_officer", "Finance officer"
        # "reviewer" is the NHS England assurer: the value predates paired assurance.
        REVIEWER = "reviewer", "Regional assurer (NHS England)"
        LA_ASSURER = "la_assurer", "Regional assurer (local government)"
        MODERATOR = "moderator", "Regional moderator"
        NATIONAL_APPROVER = "national_approver", "National approver"
        NATIONAL_ADMIN = "national_admin", "National administrator"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    areas = models.ManyToManyField(Area, blank=True, related_name="roles")
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="assurers"
    )

    class Meta:
        ordering = ["user", "kind", "region"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["reviewer", "la_assurer", "moderator"])
                | Q(region__isnull=False),
                name="role_regional_has_region",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "region"],
                condition=Q(region__isnull=False),
                name="role_unique_per_region",
            ),
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=Q(region__isnull=True),
                name="role_unique_without_region",
            ),
        ]

    def __str__(self):
        where = f", {self.region}" if self.region_id else ""
        return f"{self.user} ({self.get_kind_display()}{where})"


Kind = Role.Kind
AREA_KINDS = (Kind.COMMISSIONER, Kind.FINANCE_OFFICER)
REGIONAL_KINDS = (Kind.REVIEWER, Kind.LA_ASSURER, Kind.MODERATOR)
ASSURANCE_KINDS = (*REGIONAL_KINDS, Kind.NATIONAL_APPROVER)


def roles_of(user) -> list[Role]:
    """The user's roles with their areas, cached on the user object for the request
    (two queries, whatever the number of roles)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not hasattr(user, "_bcf_roles"):
        user._bcf_roles = list(
            Role.objects.filter(user=user).select_related("region").prefetch_related("areas")
        )
    return user._bcf_roles


def kinds_of(user) -> set[str]:
    return {role.kind for role in roles_of(user)}


def has_kind(user, *kinds: str) -> bool:
    return not kinds_of(user).isdisjoint(kinds)


def is_national_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_superuser or has_kind(user, Kind.NATIONAL_ADMIN)
    )


def sees_every_region(user) -> bool:
    """National administrators and approvers see every region's submitted plans."""
    return is_national_admin(user) or has_kind(user, Kind.NATIONAL_APPROVER)


def area_ids(user, kinds=AREA_KINDS) -> set[int]:
    """Areas in which the user holds one of `kinds`."""
    return {area.pk for role in roles_of(user) if role.kind in kinds for area in role.areas.all()}


def region_ids(user, kinds=REGIONAL_KINDS) -> set[int]:
    """Regions in which the user holds one of the regional assurance `kinds`."""
    return {role.region_id for role in roles_of(user) if role.kind in kinds and role.region_id}
