import pytest

from .helpers import HAVERING, Q1, approved, login, post_part

pytestmark = pytest.mark.django_db


def test_pages_open(client):
    approved("2017-19", "havering")
    login(client, "bhr.commissioner")
    assert client.get(HAVERING).status_code == 200
    page = client.get(Q1)
    assert page.status_code == 200, page.content[:3000]
    for part in ("budget", "conditions", "finance", "metrics", "delivery", "narrative", "sign-off"):
        response = client.get(Q1 + part + "/")
        assert response.status_code == 200, (part, response.content[:2000])
    response = post_part(
        client, Q1 + "budget/", {"section_75_in_place": "yes", "section_75_signed_on": "01/04/2017"}
    )
    assert response.status_code == 302, response.content.decode()[:4000]
