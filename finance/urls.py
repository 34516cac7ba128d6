from django.urls import path

from . import views
from .excel import views as excel_views

app_name = "finance"

urlpatterns = [
    path("", views.summary, name="summary"),
    path("income/", views.income, name="income"),
    path("upload/", excel_views.upload, name="upload"),
    path(
        "upload/<int:upload_id>/problems.csv",
        excel_views.upload_problems_csv,
        name="upload-problems",
    ),
]
