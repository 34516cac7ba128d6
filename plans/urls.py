from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.your_plans, name="your-plans"),
    path("<slug:round_slug>/<slug:area_slug>/", views.plan_overview, name="plan"),
]
