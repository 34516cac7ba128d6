from django.urls import path

from finance.excel import views as excel_views

from . import download_views, views, workflow_views
from .sections import views as section_views

app_name = "plans"

urlpatterns = [
    path("", views.your_plans, name="your-plans"),
    path("<slug:round_slug>/template.xlsx", excel_views.blank_template, name="blank-template"),
    path("<slug:round_slug>/<slug:area_slug>/", views.plan_overview, name="plan"),
    path(
        "<slug:round_slug>/<slug:area_slug>/template.xlsx",
        excel_views.plan_template,
        name="template",
    ),
    path("<slug:round_slug>/<slug:area_slug>/check/", views.plan_check, name="check"),
    path("<slug:round_slug>/<slug:area_slug>/submit/", workflow_views.submit, name="submit"),
    path("<slug:round_slug>/<slug:area_slug>/versions/", workflow_views.versions, name="versions"),
    path(
        "<slug:round_slug>/<slug:area_slug>/versions/<int:number>/",
        workflow_views.version_detail,
        name="version",
    ),
    path(
        "<slug:round_slug>/<slug:area_slug>/versions/<int:number>/changes/",
        workflow_views.version_changes,
        name="version-changes",
    ),
    path("<slug:round_slug>/<slug:area_slug>/timeline/", workflow_views.timeline, name="timeline"),
    path("<slug:round_slug>/<slug:area_slug>/plan.pdf", workflow_views.plan_pdf, name="pdf"),
    path(
        "<slug:round_slug>/<slug:area_slug>/plan.pdf/prepare/",
        download_views.prepare_pdf,
        name="prepare-pdf",
    ),
    path(
        "<slug:round_slug>/<slug:area_slug>/versions/<int:number>/plan.pdf",
        workflow_views.version_pdf,
        name="version-pdf",
    ),
    path("<slug:round_slug>/<slug:area_slug>/review/", workflow_views.review, name="review"),
    path(
        "<slug:round_slug>/<slug:area_slug>/review/action/",
        workflow_views.review_action,
        name="review-action",
    ),
    path(
        "<slug:round_slug>/<slug:area_slug>/sections/<slug:section_slug>/",
        section_views.edit_section,
        name="section",
    ),
    path(
        "<slug:round_slug>/<slug:area_slug>/sections/<slug:section_slug>/complete/",
        section_views.complete_section,
        name="complete-section",
    ),
]
