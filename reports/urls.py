"""The plan's PDFs, in the `plans` namespace (composed in bcfplans.urls)."""

from django.urls import path

from . import views

PLAN = "<slug:round_slug>/<slug:area_slug>/"

plan_patterns = [
    path(f"{PLAN}plan.pdf", views.plan_pdf, name="pdf"),
    path(f"{PLAN}versions/<int:number>/plan.pdf", views.version_pdf, name="version-pdf"),
]
