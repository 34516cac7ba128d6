from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"

    def ready(self) -> None:
        # Django's documented place for registrations: models are loaded by now.
        from plans.reference.loader import register_round_part

        from . import reference, rules  # noqa: F401  (rules register themselves)

        register_round_part("metrics", reference.load_metrics)
