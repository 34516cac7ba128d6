"""The overview at national scale: status counts at the top, 50 boards a page (the
same queries on every page), financial years written 2017/18, a chart drawn as SVG."""

import base64
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.tests.helpers import login

pytestmark = pytest.mark.django_db
URL = "/overview/?round=2017-19"


def get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(captured)


def test_status_counts_pages_and_year_labels(client):
    login(client, "admin")
    page, first = get(client, URL)
    counts = page[page.index('id="status-counts"') : page.index("</dl>")]
    assert "Not submitted" in counts and "149" in counts  # 152 boards, 3 demo plans
    assert page.count('<tr class="govuk-table__row">') - 1 <= 50 + 40  # one page of boards
    assert 'aria-current="page"' in page and "Showing 1 to 50 of 152" in page
    last, later = get(client, URL + "&page=4")
    assert "Showing 151 to 152 of 152" in last
    assert later == first  # the page number changes nothing in the queries
    rollup = page[page.index('id="rollup-source"') :]
    assert "2017/18" in rollup and not re.search(r">2017<", rollup)


def test_the_rollup_chart_is_svg_with_units(client):
    login(client, "admin")
    page, _ = get(client, URL)
    uri = re.search(r'id="rollup-chart" src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    svg = base64.b64decode(uri).decode()
    assert 'role="img"' in svg and "£ million" in svg and "2017/18" in svg
