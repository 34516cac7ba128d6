"""Rounds management for national administrators: /rounds/ and below."""

app_name = "rounds"
urlpatterns: list = []
