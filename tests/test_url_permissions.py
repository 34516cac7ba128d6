"""Generated from the URL configuration: every route refuses anonymous users, and
every route about one plan refuses a user of another area. A new view without a
permission rule makes this fail."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from metrics.models import MetricPlanValue
from plans.models import Download, Plan
from plans.tests.helpers import login
from schemes.models import ExpenditureLine

pytestmark = pytest.mark.django_db

# Routes anyone may open without signing in.
PUBLIC = {
    "login",
    "healthz",
    "home",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
# Routes signed-in users of any area may open: they show only what the user may see.
ANY_SIGNED_IN = {
    "plans:your-plans",
    "plans:blank-template",
    "keep-alive",
    "api-root",
    "api-schema",
    "plans:check-redirect",
    "round-list",
    "round-detail",
    "area-list",
    "area-detail",
    "plan-list",
    "scheme-list",
    "income-line-list",
    "expenditure-line-list",
    "metric-value-list",
    "return-list",
    "logout",
    "downloads",
    "people:list",  # everyone in the user's own areas; refused without a managing role
    "people:invite",  # offers only the user's own areas
    "people:welcome",
}


def routes(resolver=None, namespace="", inherited=()):
    """(name, parameter names) of every named route."""
    for entry in (resolver or get_resolver()).url_patterns:
        params = (*inherited, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # Django's admin has its own staff rule
            yield from routes(entry, entry.namespace or namespace, params)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, sorted(set(params))


def sample_kwargs(names, plan):
    scheme = plan.schemes.order_by("code").first()
    owner = plan.area.roles.filter(kind="commissioner").first().user
    download, _ = Download.objects.get_or_create(kind="plan_pdf", plan=plan, requested_by=owner)
    values = {
        "round_slug": plan.round.slug,
        "area_slug": plan.area.slug,
        "section_slug": "vision",
        "code": scheme.code,
        "number": 1,
        "upload_id": 1,
        "fmt": "csv",
        "slug": plan.area.slug,
        "pk": plan.pk,
        "format": "json",
        "download_id": download.pk,
        "uidb64": "MQ",
        "token": "not-a-valid-token",
        "period_slug": "2017-18-q1",
        "part": "budget",
    }
    return {name: values[name] for name in names}


def urls(plan):
    found = {}
    for name, params in routes():
        if "format" in params:
            continue  # DRF's format-suffix twins of the routes below
        kwargs = sample_kwargs(params, plan)
        if name.endswith(":edit") and name.startswith("metrics"):
            kwargs["code"] = "dtoc"
        if name in ("round-detail",):
            kwargs["slug"] = plan.round.slug
        # API details: an object that belongs to the plan.
        owned = {
            "scheme-detail": plan.schemes.first(),
            "income-line-detail": plan.income_lines.first(),
            "expenditure-line-detail": ExpenditureLine.objects.filter(scheme__plan=plan).first(),
            "metric-value-detail": MetricPlanValue.objects.filter(trajectory__plan=plan).first(),
        }
        if name in owned:
            kwargs["pk"] = owned[name].pk
        # People pages: a person of the plan's area (invitations: none there, a 404).
        if name.startswith("people:") and "pk" in kwargs:
            kwargs["pk"] = plan.area.roles.filter(kind="commissioner").first().user_id
        found[name] = reverse(name, kwargs=kwargs)
    return found


def test_every_route_is_known_to_this_test():
    """Adding a route means deciding, here, who may open it."""
    names = {name for name, _ in routes()}
    assert len(names) > 40
    assert "plans:section" in names and "plan-findings" in names


def test_anonymous_users_are_refused_everywhere_but_the_public_routes(client):
    havering = Plan.objects.get(round__slug="2017-19", area__slug="havering")
    for name, url in urls(havering).items():
        response = client.get(url)
        if name in PUBLIC:
            assert response.status_code in (200, 302), name
            continue
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], (name, url)
        else:
            assert response.status_code in (401, 403, 405), (name, url, response.status_code)


def test_users_of_another_area_cannot_open_a_plans_routes(client):
    havering = Plan.objects.get(round__slug="2017-19", area__slug="havering")
    login(client, "barnet.commissioner")
    for name, url in urls(havering).items():
        if name in PUBLIC or name in ANY_SIGNED_IN:
            continue
        status = client.get(url).status_code
        assert status in (403, 404, 405), (name, url, status)
        prefixes = (
            "plans|api|exports|assurance|overview|accounts|downloads|people|reference|rounds"
            "|returns"
        )
        assert re.match(rf"^/({prefixes})/", url), url
