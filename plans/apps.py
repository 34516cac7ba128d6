from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans, rounds and areas"

    def ready(self) -> None:
        # Registering: the plan rules with the engine, the round-rule system check, the
        # content stamps' receiver of history rows, and the sessions' sign-in receiver.
        from . import rules, sessions, stamps, system_checks  # noqa: F401
