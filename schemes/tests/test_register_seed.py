"""The schemes register: the seed BHR 11.9 map of schemes to the metrics they
contribute to, per Health and Wellbeing Board, from the schemes' own links."""

import re

import pytest

from plans.tests.helpers import login

pytestmark = pytest.mark.django_db


def contribution_rows(page):
    start = page.index('id="contributions-table"')
    html = page[start : page.index("</table>", start)]
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html.split("</thead>")[1], re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        out[re.sub(r"<[^>]+>", "", cells[0]).strip()] = [
            re.findall(r"<li>(.*?)</li>", c) for c in cells[1:]
        ]
    return out


def test_seed_11_9_contributions_per_borough(client):
    login(client, "bhr.commissioner")
    page = client.get("/plans/2017-19/havering/schemes/").content.decode()
    assert "Barking and Dagenham</th>" in page and "Redbridge</th>" in page
    rows = contribution_rows(page)
    reablement = next(v for k, v in rows.items() if k.startswith("Proportion of older people"))
    bd, havering, redbridge = reablement
    # 11.9: the integrated community front door counts for reablement in H and R only;
    # the demo's front door is Redbridge's scheme.
    assert "Community Front Door" in redbridge and "Community Front Door" not in bd
    assert "Intermediate care" in bd and "Intermediate care" in havering
    dtoc = next(v for k, v in rows.items() if k.startswith("Delayed transfers"))
    assert all("DFG" in names for names in dtoc)  # 11.9: DFG in B&D, R and H


def test_a_single_area_sees_only_its_own_column(client):
    login(client, "barnet.commissioner")
    page = client.get("/plans/2014-16/barnet/schemes/").content.decode()
    assert "Barking and Dagenham" not in page
