"""The API's plan list reads .values() and shows each plan through PlanSerializer's
own fields (reports.api.plan_rows): the JSON is the same, field for field and in the
same order, as PlanSerializer gives for the same plans, for every kind of user and
filter; it runs a fixed number of queries and makes no model instances."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from plans import permissions
from plans.models import Plan
from plans.tests.helpers import login
from reports.api import PlanSerializer, PlanUrls

pytestmark = pytest.mark.django_db

FIELDS = ["id", "round", "area", "status", "date_agreed_at_hwb", "date_submitted", "url"]


def serialized(user, **filters):
    """The list as PlanSerializer shows it, plan by plan."""
    plans = (
        permissions.visible_plans(user)
        .select_related("round", "area")
        .order_by("round__slug", "area__name")
        .filter(**filters)
    )
    request = APIRequestFactory().get("/api/plans/")
    return [dict(PlanSerializer(p, context={"request": request}).data) for p in plans]


@pytest.mark.parametrize(
    "username", ["admin", "bhr.finance", "london.reviewer", "national.approver"]
)
@pytest.mark.parametrize(
    "query,filters",
    [
        ("", {}),
        ("?round=2017-19", {"round__slug": "2017-19"}),
        ("?status=draft", {"status": "draft"}),
        ("?round=2014-16&status=approved", {"round__slug": "2014-16", "status": "approved"}),
    ],
)
def test_plan_list_is_what_plan_serializer_shows(client, username, query, filters):
    Plan.objects.filter(area__slug="havering").update(status=Plan.Status.SUBMITTED)
    user = get_user_model().objects.get(username=username)
    login(client, username)
    response = client.get(f"/api/plans/{query}")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["count", "next", "previous", "results"]
    expected = serialized(user, **filters)
    assert body["count"] == len(expected)
    assert body["results"] == expected
    for shown in body["results"]:
        assert list(shown) == FIELDS
    if username == "admin" and not query:
        assert len(body["results"]) == Plan.objects.count()


def test_plan_list_urls_are_the_plans_own():
    urls = PlanUrls()
    for plan in Plan.objects.select_related("round", "area"):
        assert urls(plan.round.slug, plan.area.slug) == plan.get_absolute_url()


def test_plan_urls_reverse_any_other_slug_on_its_own():
    from django.urls import reverse

    urls = PlanUrls()
    assert urls("2017-19", "havering") == reverse("plans:plan", args=["2017-19", "havering"])
    assert urls("2017-19", "bhr_2") == reverse("plans:plan", args=["2017-19", "bhr_2"])
    # An unusual slug goes through reverse() itself, with its escaping or its error.
    with pytest.raises(Exception) as refused:
        reverse("plans:plan", args=["2017-19", "a b"])
    with pytest.raises(type(refused.value)):
        urls("2017-19", "a b")


def test_plan_list_and_detail_queries(client):
    login(client, "admin")
    client.get("/api/plans/")
    with CaptureQueriesContext(connection) as listed:
        assert client.get("/api/plans/").status_code == 200
    sql = [q["sql"] for q in listed.captured_queries if "SAVEPOINT" not in q["sql"]]
    # session, user, count, the page of plans, session save
    assert len(sql) <= 5, sql
    assert sum("plans_plan" in each for each in sql) == 2
    plan = Plan.objects.order_by("pk").first()
    detail = client.get(f"/api/plans/{plan.pk}/").json()
    assert list(detail) == FIELDS and detail["url"] == plan.get_absolute_url()


def test_plan_list_pages(client, monkeypatch):
    from rest_framework.pagination import PageNumberPagination

    login(client, "admin")
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    first = client.get("/api/plans/").json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 2 and second["previous"]
    everything = [dict(p) for p in first["results"] + second["results"]]
    ids = [p["id"] for p in everything]
    assert len(set(ids)) == 4


def test_plan_list_schema_is_plan_serializers(client):
    login(client, "admin")
    schema = client.get("/api/schema/?format=json").json()
    listed = schema["paths"]["/api/plans/"]["get"]
    assert "description" not in listed  # no docstring of the fast path in the schema
    shape = listed["responses"]["200"]["content"]["application/json"]["schema"]
    assert shape["$ref"].endswith("/PaginatedPlanList")
    plan = schema["components"]["schemas"]["Plan"]
    assert list(plan["properties"]) == FIELDS
