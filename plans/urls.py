from django.urls import path

from finance.excel import views as excel_views

from . import views
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
