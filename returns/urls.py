"""A plan's returns, in the `plans` namespace (composed in bcfplans.urls), and the
national returns page."""

from django.urls import path

from . import national, report, views, workbook

PLAN = "<slug:round_slug>/<slug:area_slug>/returns/"
RETURN = PLAN + "<slug:period_slug>/"

plan_patterns = [
    path(PLAN, views.return_list, name="returns"),
    path(RETURN, views.return_detail, name="return"),
    path(RETURN + "template.xlsx", workbook.download, name="return-template"),
    path(RETURN + "report.pdf", report.report_pdf, name="return-report"),
    path(RETURN + "upload/", workbook.upload, name="return-upload"),
    path(RETURN + "submit/", views.submit, name="return-submit"),
    path(RETURN + "reopen/", views.reopen, name="return-reopen"),
    path(RETURN + "<slug:part>/", views.return_part, name="return-part"),
]

app_name = "returns"

urlpatterns = [
    path("", national.national_returns, name="national"),
]
