from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("", views.plan_metrics, name="plan"),
    path("<slug:code>/", views.metric_edit, name="edit"),
]
