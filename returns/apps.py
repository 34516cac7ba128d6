from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = "Returns after approval"

    def ready(self) -> None:
        # Django's documented place for registrations: models are loaded by now.
        from reports.overview_views import register_overview_panel

        from . import national

        register_overview_panel(national.overview_panel)
