"""A submitted return reopened for correction: by the national team or the region's
assurers only, with a reason kept in the history and mailed to the area, which then
edits and submits it again; both submissions stay in the history."""

import pytest
from django.core import mail

from returns.models import PlanReturn, ReturnEvent

from .helpers import Q1, approved, fill_return, login, post_part, sheet_of

pytestmark = pytest.mark.django_db
REOPEN = Q1 + "reopen/"
REASON = "Quarter 1 spend on H3 Intermediate care is the annual budget; enter spend to date."


@pytest.fixture
def submitted(client):
    havering = approved("2017-19", "havering")
    login(client, "bhr.commissioner")
    fill_return(client, Q1, sheet_of(havering, "2017-18-q1"))
    assert client.post(Q1 + "submit/").status_code == 302
    return PlanReturn.objects.get(plan=havering, period__slug="2017-18-q1")


def status(plan_return):
    plan_return.refresh_from_db()
    return plan_return.status


def test_reopened_with_a_reason_corrected_and_submitted_again(
    client, submitted, django_capture_on_commit_callbacks
):
    login(client, "national.approver")
    page = client.get(Q1).content.decode()
    assert 'id="reopen"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REOPEN, {"reason": REASON})
    assert response.status_code == 302
    # Assurers see submitted returns only: the approver is taken to the national page.
    assert response.url == "/returns/?round=2017-19&period=2017-18-q1"
    assert status(submitted) == "draft" and submitted.submitted_at is None
    event = ReturnEvent.objects.get(plan_return=submitted, kind="reopened")
    assert (event.actor.username, event.note) == ("national.approver", REASON)
    [message] = mail.outbox
    assert message.subject == "The Quarter 1 2017/18 return for Havering has been reopened"
    assert REASON in message.body and "bhr.finance@example.invalid" in message.to

    login(client, "bhr.commissioner")
    fixed = post_part(client, Q1 + "narrative/", {"progress": "Spend corrected to date."})
    assert fixed.status_code == 302
    assert client.post(Q1 + "submit/").status_code == 302
    assert status(submitted) == "submitted" and submitted.progress == "Spend corrected to date."
    kinds = list(ReturnEvent.objects.filter(plan_return=submitted).values_list("kind", flat=True))
    assert kinds == ["submitted", "reopened", "submitted"]
    history = client.get(Q1).content.decode()
    history = history[history.index(">History<") :]
    assert history.count("Submitted by bhr.commissioner") == 2
    assert f"Reopened for correction by national.approver ({REASON})" in history


def test_the_region_s_assurer_may_reopen_but_not_without_a_reason(client, submitted):
    login(client, "london.reviewer")
    response = client.post(REOPEN, {"reason": "   "}, follow=True)
    assert "Say why the return is being reopened." in response.content.decode()
    assert status(submitted) == "submitted"
    response = client.post(REOPEN, {"reason": "x" * 50_001}, follow=True)
    assert "Keep the reason to 50,000 characters or fewer." in response.content.decode()
    assert status(submitted) == "submitted"
    assert client.post(REOPEN, {"reason": REASON}).status_code == 302
    assert status(submitted) == "draft"
    # A draft again: hidden from assurers; a national administrator's second reopen
    # is refused, not recorded twice.
    assert client.post(REOPEN, {"reason": REASON}).status_code == 404
    login(client, "admin")
    response = client.post(REOPEN, {"reason": REASON}, follow=True)
    assert "This return is not submitted, so it is already open." in response.content.decode()
    assert ReturnEvent.objects.filter(kind="reopened").count() == 1


@pytest.mark.parametrize(
    ("username", "code"),
    [("bhr.commissioner", 403), ("bhr.finance", 403), ("barnet.commissioner", 404)],
)
def test_areas_cannot_reopen_and_other_areas_see_nothing(client, submitted, username, code):
    login(client, username)
    assert client.post(REOPEN, {"reason": REASON}).status_code == code
    assert status(submitted) == "submitted"
    assert not ReturnEvent.objects.filter(kind="reopened").exists()
    page = client.get(Q1)
    assert page.status_code == (200 if code == 403 else 404)
    assert 'id="reopen"' not in page.content.decode()
