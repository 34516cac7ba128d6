"""The people pages: who sees whom, filters, removing a role, deactivating, and a
query count that does not grow with the number of people."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from people import actions
from people.models import Invitation
from plans.models import Area, Role
from plans.tests.helpers import login

from .helpers import area, user

pytestmark = pytest.mark.django_db
Kind = Role.Kind
User = get_user_model()


def names_on(response):
    return {person.username for person in response.context["page"].object_list}


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in (
        "/people/",
        "/people/invite/",
        "/people/welcome/",
        f"/people/{user('bhr.finance').pk}/",
        f"/people/{user('bhr.finance').pk}/deactivate/",
        f"/people/{user('bhr.finance').pk}/remove-role/",
        "/reference/ccgs/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_people_without_a_managing_role_are_refused(client):
    finance = user("bhr.finance")
    for name in ("bhr.finance", "london.reviewer", "national.approver"):
        login(client, name)
        assert client.get("/people/").status_code == 403
        assert client.get(f"/people/{finance.pk}/").status_code == 403
        assert client.post(f"/people/{finance.pk}/deactivate/").status_code == 403
    assert User.objects.get(pk=finance.pk).is_active


def test_a_commissioner_sees_the_people_of_their_areas_only(client):
    login(client, "bhr.commissioner")
    response = client.get("/people/")
    assert response.status_code == 200
    assert names_on(response) == {"bhr.commissioner", "bhr.finance"}
    page = response.content.decode()
    assert "barnet.commissioner" not in page and "Barnet" not in page
    # Another area's person: no such page (not "forbidden", which would disclose them).
    assert client.get(f"/people/{user('barnet.commissioner').pk}/").status_code == 404
    assert client.get(f"/people/{user('admin').pk}/").status_code == 404
    assert client.get("/people/999999/").status_code == 404


def test_a_commissioner_sees_only_the_roles_in_their_areas(client):
    finance = user("bhr.finance")
    Role.objects.get(user=finance).areas.add(area("barnet"))
    Role.objects.create(user=finance, kind=Kind.REVIEWER, region=area("barnet").region)
    login(client, "bhr.commissioner")
    page = client.get(f"/people/{finance.pk}/").content.decode()
    assert "Havering" in page and "Barnet" not in page and "assurer" not in page
    login(client, "admin")
    page = client.get(f"/people/{finance.pk}/").content.decode()
    assert "Barnet" in page and "Regional assurer (NHS England)" in page


def test_an_administrator_sees_everyone_and_filters(client):
    login(client, "admin")
    everyone = names_on(client.get("/people/"))
    assert {"admin", "barnet.commissioner", "london.reviewer", "bhr.finance"} <= everyone
    havering = area("havering")
    assert names_on(client.get(f"/people/?area={havering.pk}")) == {
        "bhr.commissioner",
        "bhr.finance",
    }
    assert names_on(client.get(f"/people/?area={havering.pk}&kind=finance_officer")) == {
        "bhr.finance"
    }
    assert names_on(client.get("/people/?kind=moderator")) == {"london.moderator"}
    assert names_on(client.get("/people/?q=lancashire")) == {"lancashire.commissioner"}
    # A nonsense filter value is ignored rather than an error.
    assert client.get("/people/?area=banana&kind=<script>").status_code == 200


def test_the_commissioners_filters_offer_only_their_areas_and_area_roles(client):
    login(client, "bhr.commissioner")
    response = client.get("/people/")
    form = response.context["filters"].form
    assert {a.slug for a in form.fields["area"].queryset} == {
        "barking-and-dagenham",
        "havering",
        "redbridge",
    }
    assert [v for v, _ in form.fields["kind"].choices] == ["", "commissioner", "finance_officer"]
    # Filtering on an area of someone else's finds nobody.
    barnet = area("barnet")
    assert names_on(client.get(f"/people/?area={barnet.pk}")) == {
        "bhr.commissioner",
        "bhr.finance",
    }  # an area not on offer is ignored, never widened


def test_the_people_page_query_count_does_not_grow_with_people(
    client, django_assert_max_num_queries
):
    def add_people(count, start):
        areas = list(Area.objects.filter(slug__in=["havering", "redbridge", "barnet"]))
        for number in range(start, start + count):
            person = User.objects.create_user(
                f"person{number}", f"person{number}@example.org", first_name="P"
            )
            role = Role.objects.create(user=person, kind=Kind.COMMISSIONER)
            role.areas.set(areas)
            Role.objects.create(user=person, kind=Kind.REVIEWER, region=areas[0].region)
            Invitation.objects.create(
                email=person.email,
                user=person,
                roles=[{"kind": "commissioner", "areas": [areas[0].pk]}],
                invited_by=user("admin"),
            ).areas.set(areas[:1])

    for name in ("admin", "bhr.commissioner"):
        login(client, name)
        add_people(3, 0 if name == "admin" else 100)
        with django_assert_max_num_queries(20) as small_queries:
            small = client.get("/people/")
        add_people(40, 200 if name == "admin" else 300)
        with django_assert_max_num_queries(20) as large_queries:
            large = client.get("/people/")
        assert len(large_queries) == len(small_queries), name
        assert large.status_code == small.status_code == 200
        assert len(large.context["page"].object_list) > len(small.context["page"].object_list)


def test_the_person_page_query_count_is_bounded(client, django_assert_max_num_queries):
    finance = user("bhr.finance")
    for _number in range(20):
        Invitation.objects.create(
            email=finance.email,
            user=finance,
            roles=[{"kind": "finance_officer", "areas": [area("havering").pk]}],
            invited_by=user("bhr.commissioner"),
        ).areas.set([area("havering")])
    login(client, "bhr.commissioner")
    with django_assert_max_num_queries(15):
        assert client.get(f"/people/{finance.pk}/").status_code == 200


# -- removing roles and deactivating -----------------------------------------------


def test_a_commissioner_removes_one_area_of_a_role_in_their_areas(client):
    finance = user("bhr.finance")
    role = Role.objects.get(user=finance)
    havering = area("havering")
    login(client, "bhr.commissioner")
    url = f"/people/{finance.pk}/remove-role/"
    assert client.get(f"{url}?role={role.pk}&area={havering.pk}").status_code == 200
    assert client.post(url, {"role": role.pk, "area": havering.pk}).status_code == 302
    assert {a.slug for a in Role.objects.get(pk=role.pk).areas.all()} == {
        "barking-and-dagenham",
        "redbridge",
    }


def test_a_commissioner_cannot_remove_roles_outside_their_areas():
    finance = user("bhr.finance")
    role = Role.objects.get(user=finance)
    role.areas.add(area("barnet"))
    with pytest.raises(PermissionDenied):
        actions.remove_role(
            user=user("bhr.commissioner"), person=finance, role=role, area=area("barnet")
        )
    reviewer_role = Role.objects.get(user=user("london.reviewer"))
    with pytest.raises(PermissionDenied):
        actions.remove_role(
            user=user("bhr.commissioner"), person=user("london.reviewer"), role=reviewer_role
        )
    assert role.areas.filter(slug="barnet").exists()


def test_the_remove_page_refuses_a_role_it_does_not_show(client):
    finance = user("bhr.finance")
    role = Role.objects.get(user=finance)
    role.areas.add(area("barnet"))
    login(client, "bhr.commissioner")
    response = client.post(
        f"/people/{finance.pk}/remove-role/", {"role": role.pk, "area": area("barnet").pk}
    )
    assert response.status_code == 302
    assert role.areas.filter(slug="barnet").exists()


def test_nobody_deactivates_themselves(client):
    for name in ("admin", "bhr.commissioner"):
        me = user(name)
        login(client, name)
        assert client.post(f"/people/{me.pk}/deactivate/").status_code == 403
        assert client.post(f"/people/{me.pk}/remove-role/", {"role": 1}).status_code == 403
        with pytest.raises(actions.PersonRefused):
            actions.deactivate(user=me, person=me)
        assert User.objects.get(pk=me.pk).is_active


def test_a_commissioner_removes_a_person_from_their_areas_only(client):
    finance = user("bhr.finance")
    role = Role.objects.get(user=finance)
    role.areas.add(area("barnet"))
    login(client, "bhr.commissioner")
    assert client.get(f"/people/{finance.pk}/deactivate/").status_code == 200
    assert client.post(f"/people/{finance.pk}/deactivate/").status_code == 302
    finance = User.objects.get(pk=finance.pk)
    assert finance.is_active  # still finance officer for Barnet
    assert {a.slug for a in Role.objects.get(user=finance).areas.all()} == {"barnet"}
    # And of another area's person the commissioner knows nothing.
    barnet = user("barnet.commissioner")
    assert client.post(f"/people/{barnet.pk}/deactivate/").status_code == 404
    with pytest.raises(PermissionDenied):
        actions.deactivate(user=user("bhr.commissioner"), person=barnet)
    assert User.objects.get(pk=barnet.pk).is_active


def test_removing_a_persons_last_roles_deactivates_the_account(client):
    finance = user("bhr.finance")
    client.force_login(finance)
    assert actions.deactivate(user=user("bhr.commissioner"), person=finance) == "deactivated"
    finance = User.objects.get(pk=finance.pk)
    assert not finance.is_active and not finance.has_usable_password()
    assert not Role.objects.filter(user=finance).exists()
    # Their session ends.
    assert client.get("/people/welcome/").status_code == 302


def test_an_administrator_deactivates_an_account(client):
    reviewer = user("london.reviewer")
    pending = Invitation.objects.create(
        email=reviewer.email, user=reviewer, roles=[{"kind": "national_approver"}]
    )
    other = User.objects.create_user("other", "other@example.org", "Another-password-77")
    client.force_login(reviewer)
    login(other_client := client.__class__(), "admin")
    response = other_client.post(f"/people/{reviewer.pk}/deactivate/")
    assert response.status_code == 302
    reviewer = User.objects.get(pk=reviewer.pk)
    assert not reviewer.is_active
    assert Role.objects.filter(user=reviewer).exists()  # kept on record
    assert Invitation.objects.get(pk=pending.pk).revoked_at is not None
    assert client.get("/assurance/").status_code == 302  # signed out
    page = other_client.get(f"/people/{reviewer.pk}/").content.decode()
    assert "Deactivated" in page
    assert other.is_active


def test_an_administrator_removes_a_regional_role(client):
    reviewer = user("london.reviewer")
    role = Role.objects.get(user=reviewer)
    login(client, "admin")
    page = client.get(f"/people/{reviewer.pk}/").content.decode()
    assert f"?role={role.pk}" in page
    assert client.post(f"/people/{reviewer.pk}/remove-role/", {"role": role.pk}).status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()
