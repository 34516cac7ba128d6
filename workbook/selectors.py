"""Reads for the upload page."""

from django.db.models import QuerySet

from finance.models import TemplateUpload
from plans.models import Plan

RECENT_UPLOADS = 10


def recent_uploads(plan: Plan) -> QuerySet[TemplateUpload]:
    """The plan's latest uploads with who sent them, newest first."""
    return plan.uploads.select_related("uploaded_by")[:RECENT_UPLOADS]
