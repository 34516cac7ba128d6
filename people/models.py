"""Invitations: who was asked to join, to hold which roles, by whom, and what became
of it. The roles are granted only when the invitation's link is accepted."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from plans.models import Area


def max_age() -> timedelta:
    return timedelta(days=settings.INVITATION_MAX_AGE_DAYS)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Neither accepted nor revoked (an expired one is pending until resent)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be accepted"
        EXPIRED = "expired", "Link expired"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    roles = models.JSONField(
        default=list,
        help_text='Roles to grant on acceptance: [{"kind": …, "areas": [ids]} or '
        '{"kind": …, "region": id} or {"kind": …}].',
    )
    # Every area the roles name, so "invitations to my areas" is a query, not a scan.
    areas = models.ManyToManyField(Area, blank=True, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the current link was sent; resending sends a new link and the old one dies.
    sent_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "invitation"
        indexes = [models.Index(fields=["user", "accepted_at", "revoked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_both_accepted_and_revoked",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.email} ({self.get_status_display().lower()})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if timezone.now() - self.sent_at > max_age():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def is_open(self) -> bool:
        """May still be resent or revoked."""
        return self.accepted_at is None and self.revoked_at is None

    @property
    def expires_at(self):
        return self.sent_at + max_age()
