from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from finance.exports import national_exports
from plans import download_views, overview_views
from plans import views as plan_views
from plans import workflow_views as plan_workflow_views
from plans.api import router as api_router

urlpatterns = [
    path("", plan_views.home, name="home"),
    path("healthz", plan_views.healthz, name="healthz"),
    path("accounts/keep-alive/", plan_views.keep_alive, name="keep-alive"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("exports/", national_exports, name="national-exports"),
    path("downloads/", download_views.your_downloads, name="downloads"),
    path("downloads/<uuid:download_id>/", download_views.download, name="download"),
    path(
        "downloads/<uuid:download_id>/status.json",
        download_views.download_status,
        name="download-status",
    ),
    path("downloads/<uuid:download_id>/file", download_views.download_file, name="download-file"),
    path("assurance/", plan_workflow_views.assurance_queue, name="assurance-queue"),
    path("overview/", overview_views.overview, name="overview"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include(api_router.urls)),
    path("plans/", include("plans.urls")),
    path("plans/<slug:round_slug>/<slug:area_slug>/schemes/", include("schemes.urls")),
    path("plans/<slug:round_slug>/<slug:area_slug>/finance/", include("finance.urls")),
    path("plans/<slug:round_slug>/<slug:area_slug>/metrics/", include("metrics.urls")),
]
