"""Hostile and accidental input (issue 17, defects 14 and 15): a double-click, odd
scheme IDs, huge date parts, non-numeric ids, NUL bytes, foreign referers. Each gets
a clear message or a 4xx and writes nothing; no input answers with a server error."""

import io
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import transaction
from django.test import Client
from django.urls import path
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from assurance import actions as workflow
from assurance.snapshot import take_snapshot
from assurance.tests.test_workflow import complete_metrics, submit, user
from bcfplans import urls as project_urls
from plans.models import KloeAssessment, Plan, PlanEvent, SectionProgress
from plans.tests.helpers import form_data, login, plan, section_url
from schemes.forms import SchemeForm
from schemes.models import ExpenditureLine, Scheme
from workbook import layout as L
from workbook.reader import read_template
from workbook.writer import build_template

pytestmark = pytest.mark.django_db
HAVERING = "/plans/2017-19/havering/"
NEW_SCHEME = f"{HAVERING}schemes/new/"


def hostile_client(username):
    return login(Client(raise_request_exception=False), username)


def new_scheme_data(client, code="H99", **changes):
    data = form_data(client.get(NEW_SCHEME)) | {"code": code, "name": "Falls service"}
    return data | changes


# 14a. Double-click on "add scheme".


def test_adding_the_same_scheme_twice_is_a_form_error(client):
    login(client, "bhr.finance")
    data = new_scheme_data(client)
    assert client.post(NEW_SCHEME, data).status_code == 302
    again = client.post(NEW_SCHEME, data)
    assert again.status_code == 400
    assert "Scheme ID H99 is already used in this plan" in again.content.decode()
    assert Scheme.objects.filter(plan__area__slug="havering", code="H99").count() == 1


def test_two_racing_adds_give_the_second_a_form_error_not_a_500():
    """Both requests pass the form's check before either writes: the database's
    unique constraint refuses the second, which must come back as the form error."""
    client = hostile_client("bhr.finance")
    data = new_scheme_data(client) | {
        "lines-0-source": "",
        "lines-0-amount": "",
    }
    lines_before = ExpenditureLine.objects.count()
    no_check = lambda form: form.cleaned_data["code"].strip()  # noqa: E731
    with mock.patch.object(SchemeForm, "clean_code", no_check):
        assert client.post(NEW_SCHEME, data).status_code == 302
        havering = plan("2017-19", "havering")
        before = take_snapshot(havering)
        second = client.post(NEW_SCHEME, data)
    assert second.status_code == 400
    assert "Scheme ID H99 is already used in this plan" in second.content.decode()
    assert take_snapshot(havering) == before
    assert Scheme.objects.filter(plan=havering, code="H99").count() == 1
    assert ExpenditureLine.objects.count() == lines_before


def test_renaming_onto_a_taken_id_in_a_race_is_a_form_error():
    client = hostile_client("bhr.finance")
    url = f"{HAVERING}schemes/H2/"
    data = form_data(client.get(url)) | {"code": "H1"}
    before = take_snapshot(plan("2017-19", "havering"))
    with mock.patch.object(SchemeForm, "clean_code", lambda form: form.cleaned_data["code"]):
        response = client.post(url, data)
    assert response.status_code == 400
    assert "Scheme ID H1 is already used in this plan" in response.content.decode()
    assert take_snapshot(plan("2017-19", "havering")) == before
    assert Scheme.objects.get(plan__area__slug="havering", code="H2").lock_version == 0


# 14b. Scheme IDs that break URLs.

BAD_IDS = ["H/1", "H?1", "H#1", "H%1", "H 1", " H1 x", "H1\n2", "-H1", ".", "..", "H\t1", "é1"]


@pytest.mark.parametrize("code", BAD_IDS)
def test_a_scheme_id_that_breaks_urls_is_refused(code):
    client = hostile_client("bhr.finance")
    before = take_snapshot(plan("2017-19", "havering"))
    response = client.post(NEW_SCHEME, new_scheme_data(client, code=code))
    assert response.status_code == 400
    assert "Use letters, numbers, dots, dashes or underscores only" in response.content.decode()
    assert take_snapshot(plan("2017-19", "havering")) == before
    assert client.get(f"{HAVERING}schemes/").status_code == 200


@pytest.mark.parametrize("code", ["H1a", "BD.2", "R_3", "S-10", "A" * 30])
def test_ordinary_scheme_ids_are_accepted(code, client):
    login(client, "bhr.finance")
    assert client.post(NEW_SCHEME, new_scheme_data(client, code=code)).status_code == 302
    assert client.get(f"{HAVERING}schemes/").status_code == 200


def test_every_demo_scheme_id_passes_the_rule():
    for scheme in Scheme.objects.select_related("plan"):
        form = SchemeForm(instance=scheme, plan=scheme.plan)
        assert form.fields["code"].clean(scheme.code) == scheme.code


def test_the_template_importer_uses_the_same_rule():
    havering = plan("2017-19", "havering")
    book = load_workbook(io.BytesIO(build_template(havering.round, havering)))
    book[L.EXPENDITURE]["A4"] = "H/1"
    buffer = io.BytesIO()
    book.save(buffer)
    parsed, problems = read_template(buffer.getvalue(), havering)
    assert parsed is None
    assert any(
        "Use letters, numbers, dots, dashes or underscores only" in p.message for p in problems
    )


# 14c. A huge number in a date part.


@pytest.mark.parametrize(
    "section, field",
    [
        ("plan-details", "date_agreed_at_hwb"),
        ("sign-off", "signoffs-0-signed_on"),
    ],
)
@pytest.mark.parametrize("part", [0, 1, 2])
def test_a_huge_date_part_is_not_a_real_date(section, field, part):
    client = hostile_client("bhr.commissioner")
    url = section_url("2017-19", "havering", section)
    data = form_data(client.get(url))
    name = next((n for n in data if n == f"{field}_{part}"), None)
    if name is None:  # the sign-off rows are named by their formset prefix
        name = next(n for n in data if n.endswith(f"signed_on_{part}"))
        field = name[: -len(f"_{part}")]
    data |= {f"{field}_0": "1", f"{field}_1": "4", f"{field}_2": "2017"}
    data[name] = "99999999999999999999"
    before = take_snapshot(plan("2017-19", "havering"))
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Enter a real date" in response.content.decode()
    assert take_snapshot(plan("2017-19", "havering")) == before


def test_an_impossible_date_is_not_a_real_date(client):
    login(client, "bhr.commissioner")
    url = section_url("2017-19", "havering", "plan-details")
    data = form_data(client.get(url)) | {
        "date_agreed_at_hwb_0": "31",
        "date_agreed_at_hwb_1": "2",
        "date_agreed_at_hwb_2": "2017",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Enter a real date" in response.content.decode()


@pytest.mark.parametrize("section", ["sign-off", "hicm", "risks", "milestones"])
@pytest.mark.parametrize("count", ["INITIAL_FORMS", "TOTAL_FORMS"])
def test_a_mangled_row_count_is_a_bad_request(section, count):
    """Found by the property test below: the fixed-row sections (sign-off, HICM)
    answered 500 (IndexError) when INITIAL_FORMS was not a number."""
    client = hostile_client("bhr.commissioner")
    url = section_url("2017-19", "havering", section)
    data = form_data(client.get(url))
    name = next(n for n in data if n.endswith(f"-{count}"))
    before = take_snapshot(plan("2017-19", "havering"))
    assert client.post(url, data | {name: "x"}).status_code == 400
    assert take_snapshot(plan("2017-19", "havering")) == before


# 14d. Non-numeric ids in the review form.


@pytest.fixture
def in_assurance():
    havering = plan("2017-19", "havering")
    complete_metrics(havering)
    submit(havering)
    workflow.start_assurance(plan=havering, user=user("london.reviewer"))
    return havering


REVIEW_ACTION = f"{HAVERING}review/action/"


@pytest.mark.parametrize("kloe", ["abc", "1.5", "", "99999999999999999999", "-1", "1 OR 1=1"])
def test_a_kloe_id_that_is_not_one_is_not_found(in_assurance, kloe):
    client = hostile_client("london.reviewer")
    events = PlanEvent.objects.count()
    response = client.post(REVIEW_ACTION, {"action": "assess", "kloe": kloe, "rating": "met"})
    assert response.status_code == 404
    assert KloeAssessment.objects.count() == 0 and PlanEvent.objects.count() == events


@pytest.mark.parametrize(
    "sections", [["abc"], ["1", "abc"], ["99999999999999999999"], ["1.5"], [""]]
)
def test_section_ids_that_are_not_ids_are_a_clear_message(in_assurance, sections):
    client = hostile_client("london.reviewer")
    events = PlanEvent.objects.count()
    changed = SectionProgress.objects.filter(changes_requested=True).count()
    response = client.post(
        REVIEW_ACTION,
        {"action": "request_changes", "sections": sections, "reason": "Fix it"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Choose the sections to change" in response.content.decode()
    assert PlanEvent.objects.count() == events
    assert SectionProgress.objects.filter(changes_requested=True).count() == changed
    assert Plan.objects.get(pk=in_assurance.pk).status == Plan.Status.IN_ASSURANCE


# 14e. NUL bytes.

NUL_PATHS = [
    f"{HAVERING}schemes/H%001/",
    f"{HAVERING}schemes/H%001/remove/",
    f"{HAVERING}metrics/dt%00oc/",
    f"{HAVERING}sections/vi%00sion/",
    "/plans/2017-19/haver%00ing/",
    "/downloads/%00/",
    "/api/plans/%00/",
]


@pytest.mark.parametrize("url", NUL_PATHS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_nul_byte_in_the_path_is_not_found(url, method):
    client = hostile_client("bhr.finance")
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/overview/?round=2017%0019",
        "/overview/?status=%00",
        "/overview/?sort=na%00me",
        f"{HAVERING}timeline/?page=%00",
        "/api/plans/?round=%00",
        "/api/schemes/?plan=1%00",
        f"{HAVERING}?x%00=1",
    ],
)
def test_a_nul_byte_in_the_query_is_a_bad_request(url):
    client = hostile_client("admin")
    assert client.get(url).status_code == 400


def test_a_nul_byte_in_a_form_value_is_a_bad_request_and_writes_nothing():
    client = hostile_client("bhr.commissioner")
    url = section_url("2017-19", "havering", "vision")
    data = form_data(client.get(url)) | {"text": "Our vision\x00"}
    before = take_snapshot(plan("2017-19", "havering"))
    assert client.post(url, data).status_code == 400  # multipart, as the test client sends
    encoded = urlencode(data)
    assert (
        client.post(url, encoded, content_type="application/x-www-form-urlencoded").status_code
        == 400
    )
    assert take_snapshot(plan("2017-19", "havering")) == before


def test_a_nul_byte_in_a_review_comment_is_a_bad_request(in_assurance):
    client = hostile_client("london.reviewer")
    kloe = in_assurance.round.kloes.first()
    response = client.post(
        REVIEW_ACTION, {"action": "assess", "kloe": kloe.pk, "rating": "met", "comment": "a\x00b"}
    )
    assert response.status_code == 400
    assert KloeAssessment.objects.count() == 0


def test_a_nul_byte_in_the_session_cookie_is_ignored():
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = client.get(f"{HAVERING}")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# 15a. Redirects only to this site.


@pytest.mark.parametrize(
    "referer",
    [
        "https://evil.example/phish",
        "//evil.example/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "https:///evil.example",
        "/\\evil.example",
    ],
)
def test_keep_alive_never_redirects_off_the_site(client, referer):
    login(client, "bhr.commissioner")
    response = client.get("/accounts/keep-alive/", HTTP_ACCEPT="text/html", HTTP_REFERER=referer)
    assert response.status_code == 302 and response["Location"] == "/plans/"


def test_keep_alive_returns_to_the_page_it_came_from(client):
    login(client, "bhr.commissioner")
    back = f"http://testserver{HAVERING}sections/vision/"
    response = client.get("/accounts/keep-alive/", HTTP_ACCEPT="text/html", HTTP_REFERER=back)
    assert response["Location"] == back
    response = client.get("/accounts/keep-alive/")
    assert response.status_code == 204


@pytest.mark.parametrize("referer", ["https://evil.example/phish", "//evil.example/"])
def test_completing_a_finance_section_never_redirects_off_the_site(client, referer):
    login(client, "bhr.finance")
    url = f"{HAVERING}sections/schemes/complete/"
    response = client.post(url, {"completed": "maybe"}, HTTP_REFERER=referer)
    assert response.status_code == 302 and response["Location"] == HAVERING
    back = f"http://testserver{HAVERING}schemes/"
    response = client.post(url, {"completed": "maybe"}, HTTP_REFERER=back)
    assert response["Location"] == back


# 15b. Service-styled error pages.


def boom(request):
    raise RuntimeError("secret stack trace detail")


def forbidden(request):
    raise PermissionDenied("internal reason")


def suspicious(request):
    raise SuspiciousOperation("internal reason")


urlpatterns = [
    path("test-boom/", boom),
    path("test-forbidden/", forbidden),
    path("test-suspicious/", suspicious),
    *project_urls.urlpatterns,
]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    return settings


@pytest.mark.parametrize(
    "username, url, status, heading",
    [
        (None, "/no-such-page/", 404, "Page not found"),
        ("bhr.commissioner", "/plans/2017-19/nowhere/", 404, "Page not found"),
        ("bhr.commissioner", f"{HAVERING}schemes/H%001/", 404, "Page not found"),
        ("bhr.commissioner", "/overview/", 403, "You do not have permission"),
        ("bhr.commissioner", "/plans/2014-16/barnet/", 404, "Page not found"),
        ("bhr.commissioner", "/test-forbidden/", 403, "You do not have permission"),
        (
            "bhr.commissioner",
            "/test-suspicious/",
            400,
            "Sorry, there is a problem with your request",
        ),
        (
            "bhr.commissioner",
            "/overview/?round=%00",
            400,
            "Sorry, there is a problem with your request",
        ),
        ("bhr.commissioner", "/test-boom/", 500, "Sorry, there is a problem with the service"),
        (None, "/test-boom/", 500, "Sorry, there is a problem with the service"),
    ],
)
def test_error_pages_are_the_services_own(production, username, url, status, heading):
    client = Client(raise_request_exception=False)
    if username:
        login(client, username)
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == status
    assert heading in page
    assert "govuk-heading-l" in page and "build/app.css" in page
    assert "Traceback" not in page and "secret" not in page and "internal reason" not in page
    if status == 500:
        assert "try again later" in page


# Property: no form of a plan answers with a server error, whatever is typed.

FORM_ROUTES = [
    ("bhr.commissioner", f"{HAVERING}sections/{slug}/")
    for slug in [
        "overview",
        "vision",
        "engagement",
        "schemes-overview",
        "governance",
        "risk-share",
        "metrics-narrative",
        "plan-details",
        "sign-off",
        "risks",
        "milestones",
        "national-conditions",
        "hicm",
    ]
] + [
    ("bhr.finance", f"{HAVERING}schemes/H1/"),
    ("bhr.finance", NEW_SCHEME),
    ("bhr.finance", f"{HAVERING}finance/income/"),
    ("bhr.commissioner", f"{HAVERING}metrics/dtoc/"),
]

typed = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e400",
            "99999999999999999999",
            "NaN",
            "H/1",
            "%00",
            "\x00",
            "<script>alert(1)</script>",
            "'; DROP TABLE x;--",
            "1" * 5000,
        ]
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    # The same examples on every run, so CI is reproducible; to explore further,
    # run locally with derandomize off and more examples.
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(route=st.sampled_from(FORM_ROUTES), data=st.data())
def test_no_form_of_a_plan_answers_with_a_server_error(route, data):
    # Each example starts from the same plan: a save it makes is rolled back, so the
    # next example's page (and so its fields to draw from) is the same.
    with transaction.atomic():
        username, url = route
        client = hostile_client(username)
        page = client.get(url)
        assert page.status_code == 200, url
        fields = form_data(page)
        values = data.draw(st.dictionaries(st.sampled_from(sorted(fields)), typed, min_size=1))
        before = take_snapshot(plan("2017-19", "havering"))
        response = client.post(url, fields | values)
        assert response.status_code < 500, (url, values)
        if response.status_code >= 400:
            assert take_snapshot(plan("2017-19", "havering")) == before
        transaction.set_rollback(True)
