from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "finance"

    def ready(self) -> None:
        # Django's documented place for registrations: models are loaded by now.
        from plans.models import Section
        from plans.sections.views import register_section_context

        from . import rules, selectors  # noqa: F401  (rules register themselves)

        register_section_context(
            Section.Kind.PLAN_DETAILS,
            lambda plan: {"pooled_budget": selectors.pooled_budget_by_year(plan)},
        )
