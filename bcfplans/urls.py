from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from finance.exports import national_export
from plans import overview_views
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
    path("exports/national-finance.<str:fmt>", national_export, name="national-finance"),
    path("assurance/", plan_workflow_views.assurance_queue, name="assurance-queue"),
    path("overview/", overview_views.overview, name="overview"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include(api_router.urls)),
    path("plans/", include("plans.urls")),
    path("plans/<slug:round_slug>/<slug:area_slug>/schemes/", include("schemes.urls")),
    path("plans/<slug:round_slug>/<slug:area_slug>/finance/", include("finance.urls")),
    path("plans/<slug:round_slug>/<slug:area_slug>/metrics/", include("metrics.urls")),
]
