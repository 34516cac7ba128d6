"""The Excel template: downloads in the `plans` namespace (composed in bcfplans.urls),
uploads under the plan's finance pages."""

from django.urls import path

from . import views

PLAN = "<slug:round_slug>/<slug:area_slug>/"

plan_patterns = [
    path("<slug:round_slug>/template.xlsx", views.blank_template, name="blank-template"),
    path(f"{PLAN}template.xlsx", views.plan_template, name="template"),
]

app_name = "workbook"

urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path(
        "upload/<int:upload_id>/problems.csv",
        views.upload_problems_csv,
        name="upload-problems",
    ),
]
