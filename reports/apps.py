from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "PDF, overview, API and national exports"

    def ready(self) -> None:
        # Django's documented place for registrations: models are loaded by now.
        from plans.downloads import register_builder
        from plans.models import Download

        from . import exports, letters, pdf

        register_builder(Download.Kind.PLAN_PDF, pdf.build_plan_pdf)
        register_builder(Download.Kind.NATIONAL_FINANCE_XLSX, exports.build_national_xlsx)
        register_builder(Download.Kind.NATIONAL_FINANCE_CSV, exports.build_national_csv)
        letters.connect()  # the outcome decision queues its letter
