"""/reference/: reference data kept by national administrators."""

from django.urls import path

from . import reference_views

app_name = "reference"
urlpatterns = [
    path("ccgs/", reference_views.ccgs, name="ccgs"),
    path("ccgs/confirm/", reference_views.confirm_ccgs, name="ccgs-confirm"),
]
