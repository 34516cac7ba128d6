"""The seed figures on the pages (HTML): BHR 8.5 and 11.6-11.9, Barnet's plan details,
sign-off and risks, Lancashire's risks (the PDF's are in reports/tests/test_pdf_seed_tables)."""

import html
import re

import pytest

from plans.tests.helpers import login

pytestmark = pytest.mark.django_db
HAVERING = "/plans/2017-19/havering/"
BARNET = "/plans/2014-16/barnet/"


def text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    return page, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_seed_8_5_on_the_finance_summary(client):
    login(client, "bhr.commissioner")
    _page, words = text(client, HAVERING + "finance/")
    for figure in ("£6,270,264", "£10,374,057", "£4,729,895", "£6,389,399", "£10,571,163"):
        assert figure in words, figure


def test_seed_11_6_to_11_8_on_the_metric_pages(client):
    login(client, "bhr.commissioner")
    _page, words = text(client, HAVERING + "metrics/")
    for figure in ("25,301", "25,794", "660.3", "640.8", "88.4", "2,206.4"):
        assert figure in words, figure
    page, _words = text(client, HAVERING + "metrics/reablement-91-days/")
    assert 'value="87.7"' in page  # the 2016/17 baseline, 11.4.5
    page, _words = text(client, "/plans/2017-19/barking-and-dagenham/metrics/reablement-91-days/")
    assert 'value="88.6"' in page  # 11.2


def test_seed_11_9_on_the_schemes_register(client):
    login(client, "bhr.commissioner")
    page, words = text(client, HAVERING + "schemes/")
    assert 'id="contributions-table"' in page
    table = page[page.index('id="contributions-table"') :]
    assert "Demand Management" in table and "Locality Teams" in table
    assert "Total of 13 schemes" in words


def test_barnet_plan_details_sign_off_and_risks_on_the_pages(client):
    login(client, "barnet.commissioner")
    _page, words = text(client, BARNET + "finance/")
    for figure in ("£6,634,000", "£23,412,000", "£24,213,247"):
        assert figure in words, figure
    page, _words = text(client, BARNET + "sections/sign-off/")
    for name in ("John Morton", "Cllr Sachin Rajput", "Councillor Helena Hart"):
        assert f'value="{name}"' in page, name
    page, words = text(client, BARNET + "sections/plan-details/")
    assert "Minimum £23,412,000; agreed (income in the pool) £24,213,247" in words
    for part, value in (("0", "20"), ("1", "3"), ("2", "2014")):  # agreed 20 March 2014
        assert f'name="date_agreed_at_hwb_{part}" value="{value}"' in page
    page, _words = text(client, BARNET + "sections/risks/")
    for ref in ("1", "2", "3", "4", "5"):
        assert f'value="{ref}"' in page, ref
    assert "The Care Bill will raise the cost of care" in page
    page, _words = text(client, BARNET + "sections/related-documents/")
    assert "Barnet, Enfield &amp; Haringey Clinical Strategy" in page


def test_lancashire_risks_on_the_page(client):
    login(client, "lancashire.commissioner")
    page, _words = text(client, "/plans/2014-16/lancashire/sections/risks/")
    assert page.count('value="medium" selected') == 3, "three medium risks"
    assert page.count('value="high" selected') == 1
    assert "move money out of acute and nursing care" in page
