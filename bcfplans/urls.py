"""The roof: every app's URLs. A plan's pages are served by several apps but share the
`plans` namespace, composed here so no app imports one above it."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from assurance import urls as assurance_urls
from assurance import views as assurance_views
from plans import download_views
from plans import urls as plans_urls
from plans import views as plan_views
from reports import overview_views
from reports import urls as reports_urls
from reports.api import router as api_router
from reports.exports import national_exports
from returns import urls as returns_urls
from returns.api import ReturnViewSet
from workbook import urls as workbook_urls

plan_pages = (
    plans_urls.plan_patterns
    + assurance_urls.plan_patterns
    + reports_urls.plan_patterns
    + workbook_urls.plan_patterns
    + returns_urls.plan_patterns
)
api_router.register("returns", ReturnViewSet, basename="return")
PLAN = "plans/<slug:round_slug>/<slug:area_slug>/"

urlpatterns = [
    path("", plan_views.home, name="home"),
    path("healthz", plan_views.healthz, name="healthz"),
    path("accounts/keep-alive/", plan_views.keep_alive, name="keep-alive"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("people/", include("people.urls")),
    path("reference/", include("people.reference_urls")),
    path("rounds/", include("rounds.urls")),
    path("exports/", national_exports, name="national-exports"),
    path("downloads/", download_views.your_downloads, name="downloads"),
    path("downloads/<uuid:download_id>/", download_views.download, name="download"),
    path(
        "downloads/<uuid:download_id>/status.json",
        download_views.download_status,
        name="download-status",
    ),
    path("downloads/<uuid:download_id>/file", download_views.download_file, name="download-file"),
    path("assurance/", assurance_views.assurance_queue, name="assurance-queue"),
    path("overview/", overview_views.overview, name="overview"),
    path("returns/", include("returns.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include(api_router.urls)),
    path("plans/", include((plan_pages, "plans"))),
    path(f"{PLAN}schemes/", include("schemes.urls")),
    path(f"{PLAN}finance/", include("finance.urls")),
    path(f"{PLAN}finance/", include("workbook.urls")),
    path(f"{PLAN}metrics/", include("metrics.urls")),
]
