"""Section statuses on the task list, and the check page's findings with links."""

import pytest

from assurance.tasks import finding_url, section_for_finding, task_list
from plans.findings import Finding
from plans.sections import selectors as services
from plans.tests.helpers import form_data, login, plan, section_url

S = services


@pytest.mark.parametrize(
    "facts,expected",
    [
        ({}, S.NOT_STARTED),
        ({"error_count": 3}, S.NOT_STARTED),  # untouched: not yet the authors' problem
        ({"has_content": True}, S.IN_PROGRESS),
        ({"has_content": True, "completed": True}, S.COMPLETED),
        ({"has_content": True, "completed": True, "error_count": 1}, S.HAS_ERRORS),
        ({"completed": True, "changes_requested": True}, S.CHANGES_REQUESTED),
    ],
)
def test_section_status(facts, expected):
    arguments = {
        "has_content": False,
        "completed": False,
        "changes_requested": False,
        "error_count": 0,
    } | facts
    assert services.section_status(**arguments) == expected


@pytest.mark.django_db
def test_lancashire_draft_statuses_follow_its_content_and_findings():
    from finance.models import IncomeLine

    the_plan = plan("2014-16", "lancashire")
    tasks, findings = task_list(the_plan)
    status = {task.section.slug: task.status.key for task in tasks}
    assert status["finance"] == "not_started"  # no lines yet, though the minimum is unmet
    assert status["related-documents"] == "in_progress"  # the draft lists five (E1-E5)
    assert status["vision"] == "not_started"
    assert any(f.code == "pooled_budget_minimum" for f in findings)
    assert any(f.code == "conditions_confirmed" for f in findings)
    IncomeLine.objects.create(
        plan=the_plan,
        source=the_plan.round.funding_sources.get(code="dfg"),
        year=the_plan.round.years.get(start_year=2015),
        amount=1_000_000,
    )
    tasks, _ = task_list(the_plan)
    status = {task.section.slug: task.status.key for task in tasks}
    assert status["finance"] == "has_errors"  # £24,555,000 minimum not met


@pytest.mark.django_db
def test_findings_link_to_the_exact_field(client):
    the_plan = plan("2014-16", "lancashire")
    sections = list(the_plan.round.sections.all())
    finding = Finding(
        "conditions_confirmed", "error", "x", "national-conditions#id_q-b-commitment_1"
    )
    assert section_for_finding(finding, sections).slug == "national-conditions"
    url = finding_url(the_plan, finding, sections)
    assert (
        url == section_url("2014-16", "lancashire", "national-conditions") + "#id_q-b-commitment_1"
    )
    login(client, "lancashire.commissioner")
    assert 'id="id_q-b-commitment_1"' in client.get(url.split("#")[0]).content.decode()
    money = Finding("pooled_budget_minimum", "error", "x", "finance#income-2015")
    assert (
        finding_url(the_plan, money, sections) == "/plans/2014-16/lancashire/finance/#income-2015"
    )


@pytest.mark.django_db
def test_check_page_lists_every_finding_with_its_link(client):
    login(client, "lancashire.commissioner")
    page = client.get("/plans/2014-16/lancashire/check/").content.decode()
    assert "£24,555,000" in page
    assert 'href="/plans/2014-16/lancashire/finance/#income-2015"' in page
    assert "National condition b: confirm it is met" in page
    login(client, "bhr.commissioner")
    page = client.get("/plans/2017-19/havering/check/").content.decode()
    # Met in the seed: listed with its figures as met, never among the problems.
    assert "Protection of social care, 2017/18: minimum £6,270,264" in page
    assert "Protection of social care" not in page.split('id="findings"')[-1] or (
        'id="findings"' not in page
    )


@pytest.mark.django_db
def test_answering_a_condition_clears_its_finding(client):
    login(client, "lancashire.commissioner")
    url = section_url("2014-16", "lancashire", "national-conditions")
    data = form_data(client.get(url)) | {"q-b-commitment": "yes", "completed": "no"}
    assert client.post(url, data).status_code == 302
    _tasks, findings = task_list(plan("2014-16", "lancashire"))
    assert not any(f.where.endswith("id_q-b-commitment_1") for f in findings)
