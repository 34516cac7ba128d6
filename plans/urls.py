"""The ground floor's own pages of a plan. The pages of the apps above are added to
the same `plans` namespace in bcfplans.urls."""

from django.urls import path

from . import download_views, views
from .sections import views as section_views

PLAN = "<slug:round_slug>/<slug:area_slug>/"

plan_patterns = [
    path("", views.your_plans, name="your-plans"),
    path(f"{PLAN}plan.pdf/prepare/", download_views.prepare_pdf, name="prepare-pdf"),
    path(f"{PLAN}sections/<slug:section_slug>/", section_views.edit_section, name="section"),
    path(
        f"{PLAN}sections/<slug:section_slug>/complete/",
        section_views.complete_section,
        name="complete-section",
    ),
]
