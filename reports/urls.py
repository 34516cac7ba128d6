"""The plan's PDFs, in the `plans` namespace (composed in bcfplans.urls)."""

from django.urls import path

from . import letter_views, version_pdf, views

PLAN = "<slug:round_slug>/<slug:area_slug>/"

plan_patterns = [
    path(f"{PLAN}plan.pdf", views.plan_pdf, name="pdf"),
    path(f"{PLAN}outcome-letter.pdf", letter_views.outcome_letter, name="outcome-letter"),
    path(f"{PLAN}versions/<int:number>/plan.pdf", version_pdf.version_pdf, name="version-pdf"),
    path(
        f"{PLAN}versions/<int:number>/outcome-letter.pdf",
        letter_views.version_letter,
        name="version-letter",
    ),
]
