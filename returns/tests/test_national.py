"""The national returns page, its downloads and the API, after Havering submits its
quarter 1 return; Barnet's payment for performance from its returns' actuals."""

import pytest

from returns import selectors
from returns.performance import performance_rows

from .helpers import Q1, approved, fill_return, login, sheet_of

pytestmark = pytest.mark.django_db


def test_a_submitted_return_shows_nationally_and_in_the_api(client):
    havering = approved("2017-19", "havering")
    login(client, "bhr.commissioner")
    fill_return(client, Q1, sheet_of(havering, "2017-18-q1"))
    assert client.post(Q1 + "submit/").status_code == 302
    login(client, "national.approver")
    page = client.get("/returns/?round=2017-19&period=2017-18-q1").content.decode()
    assert "Havering" in page and "Submitted" in page and "London" in page
    csv = client.get("/returns/?round=2017-19&period=2017-18-q1&format=csv").content.decode()
    assert "London,Havering,Quarter 1 2017/18,2017-07-21,Submitted" in csv
    xlsx = client.get("/returns/?round=2017-19&period=2017-18-q1&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    api = client.get("/api/returns/").json()
    assert [r["reference"] for r in api["results"]] == ["RET-2017-19-HAVERING-2017-18-Q1"]
    login(client, "barnet.commissioner")
    assert client.get("/returns/").status_code == 403
    assert client.get("/api/returns/").json()["results"] == []


def test_the_2014_16_round_pays_for_performance_as_its_file_says():
    barnet = approved("2014-16", "barnet")
    settings = selectors.settings_of(barnet)
    assert (settings.performance_method, settings.performance_fund_share) == ("pro_rata", 25)
    rows = performance_rows(barnet, settings, sheet_of(barnet, "2015-16-q1").metrics)
    assert [r.metric.code for r in rows] == [
        "dtoc",
        "avoidable-emergency-admissions",
        "patient-experience",
        "local-metric",
    ]
    # £23,412,000 minimum pooled budget 2015/16 × 25% × 25% per metric; no actuals yet.
    assert {str(r.payment.at_stake) for r in rows} == {"1463250.00"}
    assert all(r.payment.pending for r in rows)
