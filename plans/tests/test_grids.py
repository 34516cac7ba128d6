"""The risk register and milestones edited as grids (plans.grid), a row per risk or
milestone, with the error summary naming the row and linking to the cell."""

import re

import pytest

from plans.models import Milestone, Risk

from .helpers import form_data, login, plan, section_url

pytestmark = pytest.mark.django_db

HAVERING = ("2017-19", "havering")


def body_rows(page):
    return re.findall(r"<tr [^>]*data-grid-row>", page.split("<template")[0])


def test_the_risk_register_is_a_grid_with_scores(client):
    login(client, "bhr.commissioner")
    narrative = plan(*HAVERING).narrative
    risks = list(Risk.objects.filter(narrative=narrative).order_by("order", "pk"))
    page = client.get(section_url(*HAVERING, "risks")).content.decode()
    assert page.count("app-grid__table") == 1
    assert len(body_rows(page)) == len(risks) + 1  # and a blank row for a new risk
    for header in ("Ref", "Risk", "Likelihood (1 to 5)", "Impact (1 to 5)", "Score", "Rating"):
        assert f">{header}</th>" in page
    scored = [r for r in risks if r.likelihood and r.impact]
    assert scored
    first = scored[0]
    assert f'data-grid-product="likelihood impact">{first.likelihood * first.impact}</span>' in page
    # Every input has a label naming its row, for a screen reader.
    assert f"Risk {risks[0].reference}: Mitigating actions</label>" in page


def test_a_risk_error_names_its_row_and_links_to_the_cell(client):
    login(client, "bhr.commissioner")
    url = section_url(*HAVERING, "risks")
    data = form_data(client.get(url)) | {"risks-1-likelihood": "9", "completed": "no"}
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    reference = Risk.objects.filter(narrative=plan(*HAVERING).narrative).order_by("order", "pk")[1]
    link = f'<a href="#id_risks-1-likelihood">Risk {reference.reference}: Select a valid choice'
    assert link in page
    assert (
        'class="govuk-select govuk-select--error" aria-describedby="id_risks-1-likelihood-error"'
        in page
    )


def test_milestones_are_a_grid_with_date_cells(client):
    login(client, "bhr.commissioner")
    narrative = plan(*HAVERING).narrative
    count = Milestone.objects.filter(narrative=narrative).count()
    url = section_url(*HAVERING, "milestones")
    page = client.get(url).content.decode()
    assert len(body_rows(page)) == count + 1
    assert page.count('<div class="govuk-date-input"') >= count + 1
    data = form_data(client.get(url)) | {"milestones-0-due_date_1": "13", "completed": "no"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert '<a href="#id_milestones-0-due_date_0">Milestone ' in response.content.decode()


def test_adding_a_risk_in_the_blank_row_saves_it(client):
    login(client, "bhr.commissioner")
    url = section_url(*HAVERING, "risks")
    data = form_data(client.get(url))
    blank = int(data["risks-TOTAL_FORMS"]) - 1
    data |= {
        f"risks-{blank}-reference": "N1",
        f"risks-{blank}-description": "Winter pressure on discharge",
        f"risks-{blank}-likelihood": "3",
        f"risks-{blank}-impact": "4",
        "completed": "no",
    }
    assert client.post(url, data).status_code == 302
    risk = Risk.objects.get(narrative=plan(*HAVERING).narrative, reference="N1")
    assert risk.score == 12


def test_the_date_a_condition_will_be_met_is_revealed_only_by_not_yet(client):
    login(client, "bhr.commissioner")
    url = section_url(*HAVERING, "national-conditions")
    page = client.get(url).content.decode()
    # Each "No, not yet" controls a conditional reveal holding the date; "Yes" none.
    reveals = re.findall(
        r'value="no"\s*aria-controls="(conditional_[^"]+)"', page.replace("\n", " ")
    )
    assert reveals
    for reveal in reveals:
        start = page.index(f'id="{reveal}"')
        assert "If not yet, the date it will be in place" in page[start : start + 800]
    assert not re.search(r'value="yes"\s*aria-controls=', page)
    # A missing answer links to the first radio.
    data = form_data(client.get(url))
    data = {k: v for k, v in data.items() if k != "q-1-jointly-agreed"} | {"completed": "yes"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert 'href="#id_q-1-jointly-agreed_0"' in response.content.decode()
