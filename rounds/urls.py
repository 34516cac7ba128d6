"""Rounds management for national administrators: /rounds/ and below; and where an
area's commissioner starts their own plan."""

from django.urls import path

from . import views

app_name = "rounds"
ROUND = "<slug:round_slug>/"

urlpatterns = [
    path("", views.round_list, name="list"),
    path(ROUND, views.round_detail, name="detail"),
    path(f"{ROUND}start/", views.start_plans, name="start-plans"),
    path(f"{ROUND}start/<slug:area_slug>/", views.start_plan, name="start-plan"),
    path(f"{ROUND}open/", views.set_open, name="set-open"),
    path(f"{ROUND}calendar/", views.calendar, name="calendar"),
    path(f"{ROUND}allocations/", views.allocations, name="allocations"),
    path(
        f"{ROUND}allocations/<int:upload_id>/confirm/",
        views.confirm_allocations,
        name="allocations-confirm",
    ),
    path(
        f"{ROUND}allocations/<int:upload_id>/problems.csv",
        views.allocation_problems_csv,
        name="allocations-problems",
    ),
]
