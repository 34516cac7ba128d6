from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans, rounds and areas"

    def ready(self) -> None:
        # Registering: the plan rules with the engine, and the round-rule system check.
        from . import rules, system_checks  # noqa: F401
