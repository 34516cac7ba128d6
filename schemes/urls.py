from django.urls import path

from . import views

app_name = "schemes"

urlpatterns = [
    path("", views.scheme_list, name="list"),
    path("new/", views.scheme_edit, name="new"),
    path("<str:code>/", views.scheme_edit, name="edit"),
    path("<str:code>/remove/", views.scheme_remove, name="remove"),
]
