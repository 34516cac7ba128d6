from django.urls import path

from . import views

app_name = "finance"

urlpatterns = [
    path("", views.summary, name="summary"),
    path("income/", views.income, name="income"),
]
