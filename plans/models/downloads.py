"""Files made in the background by a task worker: national exports and the PDFs of
large plans. The row is the progress page's source of truth; the task only updates it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from .plans import Plan


class DownloadQuerySet(models.QuerySet):
    def for_user(self, user):
        """A user sees only the files they asked for."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(requested_by=user)

    def unfinished(self):
        return self.filter(status__in=Download.UNFINISHED)


class Download(models.Model):
    class Kind(models.TextChoices):
        PLAN_PDF = "plan_pdf", "Plan as a PDF"
        NATIONAL_FINANCE_XLSX = "national_finance_xlsx", "National finance workbook (Excel)"
        NATIONAL_FINANCE_CSV = "national_finance_csv", "National expenditure lines (CSV)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="downloads"
    )
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.CASCADE, related_name="downloads"
    )
    task_id = models.CharField(max_length=64, blank=True)
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps_total = models.PositiveSmallIntegerField(default=1)
    step_label = models.CharField(max_length=120, blank=True)
    file = models.FileField(upload_to="downloads/%Y/%m/", blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = DownloadQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["requested_by", "-requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="plan_pdf", plan__isnull=False) | ~Q(kind="plan_pdf"),
                name="download_plan_pdf_has_plan",
            ),
            models.CheckConstraint(
                condition=Q(steps_done__lte=F("steps_total")), name="download_steps_in_range"
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | ~Q(file=""), name="download_ready_has_file"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display().lower()})"

    def get_absolute_url(self):
        return reverse("download", args=[self.pk])

    @property
    def reference(self):
        return f"DL-{str(self.pk)[:8].upper()}"

    @property
    def finished(self):
        return self.status not in self.UNFINISHED

    @property
    def percent(self):
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 0
