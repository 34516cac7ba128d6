"""A scheme's expenditure lines edited as a grid (plans.grid): a row per line, amounts
shown as £1,234,567 and read back, totals per year, errors linked to their cell."""

import re
from decimal import Decimal

import pytest

from plans.models import CommissionerType, Plan
from plans.tests.helpers import form_data, login
from schemes.models import Scheme

pytestmark = pytest.mark.django_db

H3 = "/plans/2017-19/havering/schemes/H3/"


def h3():
    return Scheme.objects.get(plan__area__slug="havering", plan__round__slug="2017-19", code="H3")


def rows(page):
    return re.findall(r"<tr [^>]*data-grid-row>", page.split("<template")[0])


def test_h3_edits_all_its_lines_in_one_grid(client):
    login(client, "bhr.finance")
    page = client.get(H3).content.decode()
    lines = list(h3().expenditure_lines.order_by("pk"))
    assert len(lines) == 8
    assert page.count('class="govuk-table app-grid__table"') == 1
    assert len(rows(page)) == len(lines) + 3  # and three blank lines to fill in
    # The seed's Havering H3 intermediate care line, as people read money.
    assert 'value="£3,612,943"' in page
    assert "3612943.00" not in page
    # Totals per year and overall, from the lines.
    by_year = {}
    for line in lines:
        by_year[line.year.label] = by_year.get(line.year.label, 0) + line.amount
    for label, total in by_year.items():
        assert f"Total {label}</th>" in page
        assert f"£{total:,.0f}" in page
    assert f"£{sum(by_year.values()):,.0f}" in page
    # One empty choice in one set of words on every drop-down.
    assert "---------" not in page and "Select an option" not in page
    # A row to copy for "Add another line", with the formset's placeholder.
    assert 'name="lines-__prefix__-amount"' in page


def test_shares_are_asked_only_of_a_joint_line(client):
    login(client, "bhr.finance")
    page = client.get(H3).content.decode()
    joint = CommissionerType.objects.get(round__slug="2017-19", name="Joint").pk
    assert page.count(f'data-shown-when="lines-0-commissioner" data-shown-values="{joint}"') == 2


def test_saving_the_grid_as_shown_changes_nothing(client):
    login(client, "bhr.finance")
    before = sorted(h3().expenditure_lines.values_list("pk", "amount"))
    data = {k: v for k, v in form_data(client.get(H3)).items() if "__prefix__" not in k}
    response = client.post(H3, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert sorted(h3().expenditure_lines.values_list("pk", "amount")) == before


@pytest.mark.parametrize("typed", ["£1,234,567", "1234567", "1,234,567.00", " £1234567 "])
def test_amounts_are_read_back_however_they_are_typed(client, typed):
    login(client, "bhr.finance")
    data = form_data(client.get(H3)) | {"lines-0-amount": typed}
    assert client.post(H3, data).status_code == 302
    first = h3().expenditure_lines.order_by("year__start_year", "source__order", "pk").first()
    assert first.amount == Decimal("1234567.00")


def test_an_error_links_to_its_cell_and_nothing_is_written(client):
    login(client, "bhr.finance")
    before = sorted(h3().expenditure_lines.values_list("pk", "amount"))
    data = form_data(client.get(H3)) | {"lines-2-amount": "ten pounds"}
    response = client.post(H3, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_lines-2-amount">Line 3: Enter an amount in pounds' in page
    cell = re.search(r'<input[^>]*id="id_lines-2-amount"[^>]*>', page).group(0)
    assert "govuk-input--error" in cell and 'aria-describedby="id_lines-2-amount-error"' in cell
    assert 'value="ten pounds"' in cell  # what was typed is kept
    assert sorted(h3().expenditure_lines.values_list("pk", "amount")) == before


def test_a_plan_sent_for_sign_off_shows_the_grid_without_a_way_to_change_it(client):
    login(client, "bhr.finance")
    Plan.objects.filter(area__slug="havering", round__slug="2017-19").update(
        status=Plan.Status.AWAITING_SIGN_OFF
    )
    page = client.get(H3).content.decode()
    assert len(rows(page)) == 11
    assert "data-grid-template" not in page and "Add another line" not in page
    assert "data-grid-delete" not in page
    amount = re.search(r'<input[^>]*id="id_lines-0-amount"[^>]*>', page).group(0)
    assert "disabled" in amount
