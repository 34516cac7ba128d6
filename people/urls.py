"""People and their accounts: /people/ and the invitation and password links."""

from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.people_list, name="list"),
    path("invite/", views.invite, name="invite"),
    path("welcome/", views.welcome, name="welcome"),
    path("<int:pk>/", views.person, name="person"),
    path("<int:pk>/deactivate/", views.deactivate, name="deactivate"),
    path("<int:pk>/remove-role/", views.remove_role, name="remove-role"),
    path("invitations/<int:pk>/resend/", views.resend_invitation, name="resend-invitation"),
    path("invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke-invitation"),
    path("invitations/accept/<str:token>/", views.accept, name="accept"),
]
