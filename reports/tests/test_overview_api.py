"""The national and regional overview, its exports, and the read-only JSON API: who
sees what, the figures, and query counts that do not grow with the number of plans."""

import csv
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from plans.models import Area, Plan
from plans.tests.helpers import login

pytestmark = pytest.mark.django_db


def queries(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), response


def overview_csv(client, query="round=2017-19"):
    response = client.get(f"/overview/?{query}&format=csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_national_overview_lists_every_hwb_with_money_rules(client):
    login(client, "admin")
    rows = overview_csv(client)
    assert len(rows) == Area.objects.count() == 152
    havering = next(r for r in rows if r["Health and Wellbeing Board"] == "Havering")
    assert havering["Protection of social care"] == "Met"
    assert havering["Out-of-hospital ring-fence"] == "Met"
    assert havering["Income = expenditure"] == "Met"
    lancashire = next(
        r
        for r in overview_csv(client, "round=2014-16")
        if r["Health and Wellbeing Board"] == "Lancashire"
    )
    assert lancashire["Pooled budget minimum"] == "Not met"  # £24,555,000 not reached
    book = load_workbook(io.BytesIO(client.get("/overview/?round=2017-19&format=xlsx").content))
    assert book["Overview"].max_row == 153


def test_regional_reviewers_see_their_region_and_no_drafts(client):
    Plan.objects.filter(area__slug="havering").update(status=Plan.Status.SUBMITTED)
    login(client, "london.reviewer")
    rows = overview_csv(client)
    assert {r["Region"] for r in rows} == {"London"}
    status = {r["Health and Wellbeing Board"]: r["Status"] for r in rows}
    assert status["Havering"] == "Submitted"
    assert status["Redbridge"] == "Not submitted"  # a draft stays with the area
    filtered = overview_csv(client, "round=2017-19&status=submitted")
    assert [r["Health and Wellbeing Board"] for r in filtered] == ["Havering"]


def test_overview_totals_have_a_chart_and_the_seed_figures(client):
    login(client, "admin")
    page = client.get("/overview/?round=2017-19&region=london").content.decode()
    assert 'id="rollup-chart" src="data:image/svg+xml;base64,' in page
    # Seed 8.5.2: B&D, Havering and Redbridge protection of social care in 2017/18.
    assert "£17,885,987" in page  # 4,970,629 + 6,270,264 + 6,645,094


def test_area_users_cannot_open_the_overview(client):
    login(client, "bhr.commissioner")
    assert client.get("/overview/").status_code == 403


def test_overview_and_api_queries_do_not_grow_with_the_number_of_plans(client):
    login(client, "admin")
    urls = [
        "/overview/?round=2017-19",
        "/api/plans/",
        "/api/schemes/",
        "/api/income-lines/",
        "/api/expenditure-lines/",
        "/api/metric-values/",
        "/api/areas/",
        "/api/rounds/",
    ]
    call_command("generate_national_dataset", areas=3, schemes=4, lines=3, verbosity=0)
    before = {url: queries(client, url)[0] for url in urls}
    call_command("generate_national_dataset", areas=9, schemes=4, lines=3, verbosity=0)
    after = {url: queries(client, url)[0] for url in urls}
    assert after == before
    assert Plan.objects.filter(narrative__title__startswith="Synthetic").count() == 12


def test_api_needs_a_token_and_shows_only_what_the_pages_show(client):
    assert client.get("/api/plans/").status_code in (401, 403)
    token = Token.objects.create(user_id=login(client, "bhr.finance").session["_auth_user_id"])
    client.logout()
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    _, response = queries(client, "/api/plans/", **auth)
    assert sorted(p["area"] for p in response.json()["results"]) == [
        "barking-and-dagenham",
        "havering",
        "redbridge",
    ]
    _, response = queries(client, "/api/expenditure-lines/?page=1", **auth)
    first = response.json()["results"][0]
    assert isinstance(first["amount"], str)  # exact pounds and pence
    barnet = Plan.objects.get(area__slug="barnet")
    assert client.get(f"/api/plans/{barnet.pk}/", **auth).status_code == 404


def test_api_findings_and_schema(client):
    login(client, "lancashire.commissioner")
    lancashire = Plan.objects.get(area__slug="lancashire")
    findings = client.get(f"/api/plans/{lancashire.pk}/findings/").json()
    pooled = [f for f in findings if f["code"] == "pooled_budget_minimum"]
    assert pooled and "£24,555,000" in pooled[0]["message"]
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
