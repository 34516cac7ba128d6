"""The income grid: amounts shown as £1,234,567 and read back, totals per year."""

import pytest

from finance.models import IncomeLine
from plans.tests.helpers import form_data, login

pytestmark = pytest.mark.django_db

INCOME = "/plans/2017-19/havering/finance/income/"


def test_income_shows_pounds_and_yearly_totals(client):
    login(client, "bhr.finance")
    page = client.get(INCOME).content.decode()
    assert 'value="£1,553,178"' in page  # Havering DFG 2017/18 (seed 8.1)
    assert "1553178.00" not in page
    # Seed 8.4: Havering's pool in 2017/18 is £22,660 thousand.
    assert '<strong data-sum-column="1">£22,660,499</strong>' in page
    assert 'class="app-table-scroll"' in page


def test_saving_the_income_as_shown_changes_nothing(client):
    login(client, "bhr.finance")
    before = sorted(
        IncomeLine.objects.filter(plan__area__slug="havering").values_list("source_id", "amount")
    )
    response = client.post(INCOME, form_data(client.get(INCOME)))
    assert response.status_code == 302, response.content.decode()[:2000]
    after = sorted(
        IncomeLine.objects.filter(plan__area__slug="havering").values_list("source_id", "amount")
    )
    assert after == before
