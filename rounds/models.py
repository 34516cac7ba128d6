from django.conf import settings
from django.db import models


class AllocationUpload(models.Model):
    """A file of nationally set minimums uploaded for a round, kept whether or not it
    was imported, so support can reproduce a problem from its reference number.

    A checked file waits here for its confirmation: the confirm step reads the kept
    file again, so nothing but its reference travels in the form."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Checked, waiting for confirmation"
        UNCHANGED = "unchanged", "No changes"
        IMPORTED = "imported", "Imported"
        REFUSED = "refused", "Not imported"

    round = models.ForeignKey(
        "plans.Round", on_delete=models.CASCADE, related_name="allocation_uploads"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="allocations/%Y/%m/", blank=True)
    status = models.CharField(max_length=9, choices=Status.choices)
    # [[row, column, cell, message]]; row 0 is the whole file.
    problems = models.JSONField(default=list, blank=True)
    # {"new": n, "changed": n, "unchanged": n, "areas": n, "digest": "…"}
    summary = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.reference} {self.filename} ({self.get_status_display()})"

    @property
    def reference(self) -> str:
        return f"AL-{self.pk:06d}" if self.pk else "AL-new"
