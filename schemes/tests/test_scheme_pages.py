"""Schemes with their expenditure lines: list totals, add several lines at once, and
every kind of bad input refused with nothing written."""

from decimal import Decimal

import pytest

from plans.models import AreaOfSpend, CommissionerType, FinancialYear, FundingSource
from plans.tests.helpers import form_data, login
from schemes.models import ExpenditureLine, Scheme

pytestmark = pytest.mark.django_db

BASE = "/plans/2017-19/havering/schemes/"


def ids(model, **lookups):
    return str(model.objects.get(**lookups).pk)


def new_scheme_data(client, **overrides):
    data = form_data(client.get(BASE + "new/"))
    commissioner_joint = ids(CommissionerType, round__slug="2017-19", name="Joint")
    data |= {
        "code": "H99",
        "name": "Discharge to assess pilot",
        "theme": "High Impact Change Model",
        "lines-0-source": ids(FundingSource, round__slug="2017-19", code="ibcf"),
        "lines-0-year": ids(FinancialYear, start_year=2017),
        "lines-0-amount": "£250,000.00",
        "lines-0-area_of_spend": ids(AreaOfSpend, round__slug="2017-19", name="Social Care"),
        "lines-0-commissioner": commissioner_joint,
        "lines-0-nhs_share": "40",
        "lines-0-la_share": "60",
        "lines-0-recurrence": "non_recurrent",
        "lines-1-source": ids(FundingSource, round__slug="2017-19", code="ibcf"),
        "lines-1-year": ids(FinancialYear, start_year=2018),
        "lines-1-amount": "125000.5",
        "lines-1-recurrence": "recurrent",
    }
    return data | overrides


def test_scheme_list_shows_each_scheme_total_from_its_lines(client):
    login(client, "bhr.finance")
    page = client.get(BASE).content.decode()
    scheme = Scheme.objects.filter(plan__area__slug="havering").order_by("code").first()
    total = sum(scheme.expenditure_lines.values_list("amount", flat=True))
    assert f"£{total:,.0f}" in page
    assert (
        page.count('href="/plans/2017-19/havering/schemes/H')
        == Scheme.objects.filter(plan__area__slug="havering").count()
    )


def test_add_a_scheme_with_two_lines_at_once(client):
    login(client, "bhr.finance")
    response = client.post(BASE + "new/", new_scheme_data(client))
    assert response.status_code == 302, response.content.decode()[:3000]
    scheme = Scheme.objects.get(plan__area__slug="havering", code="H99")
    amounts = sorted(scheme.expenditure_lines.values_list("amount", flat=True))
    assert amounts == [Decimal("125000.50"), Decimal("250000.00")]
    joint = scheme.expenditure_lines.get(year__start_year=2017)
    assert (joint.nhs_share, joint.la_share) == (40, 60)


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"code": "H1"}, "Scheme ID H1 is already used in this plan"),
        ({"lines-0-la_share": "70"}, "The NHS and LA shares must add up to 100%"),
        ({"lines-0-nhs_share": "", "lines-0-la_share": ""}, "Enter the NHS and LA shares"),
        ({"lines-1-nhs_share": "50", "lines-1-la_share": "50"}, "Only a jointly commissioned line"),
        ({"lines-0-amount": "-1"}, "Enter an amount of £0 or more"),
        ({"lines-0-amount": "ten pounds"}, "Enter an amount in pounds"),
        ({"lines-0-amount": "9" * 40}, "Enter an amount under £1 trillion"),
        ({"lines-0-source": "999999"}, "Select a valid choice"),
        ({"lines-0-year": "999999"}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
        ({"name": "x" * 201}, "at most 200 characters"),
        ({"lines-TOTAL_FORMS": "5000"}, "Please submit at most 100 forms"),
    ],
)
def test_bad_scheme_input_is_refused_and_nothing_is_written(client, overrides, message):
    login(client, "bhr.finance")
    lines_before = ExpenditureLine.objects.count()
    response = client.post(BASE + "new/", new_scheme_data(client, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Scheme.objects.filter(code="H99").exists()
    assert ExpenditureLine.objects.count() == lines_before


def test_a_source_from_another_round_is_refused(client):
    login(client, "bhr.finance")
    other = ids(FundingSource, round__slug="2014-16", code="dfg")
    response = client.post(BASE + "new/", new_scheme_data(client, **{"lines-0-source": other}))
    assert response.status_code == 400


def test_edit_conflict_on_a_scheme_keeps_the_first_save(client):
    login(client, "bhr.finance")
    scheme = Scheme.objects.filter(plan__area__slug="havering").order_by("code").first()
    url = f"{BASE}{scheme.code}/"
    data = form_data(client.get(url))
    assert client.post(url, data | {"name": "First name"}).status_code == 302
    response = client.post(url, data | {"name": "Second name"})
    assert response.status_code == 409
    page = response.content.decode()
    assert f"Someone else saved scheme {scheme.code}, after you opened this page" in page
    assert f'href="{url}">open the saved version</a>' in page
    assert 'value="Second name"' in page  # what they typed is kept
    scheme.refresh_from_db()
    assert scheme.name == "First name"


def test_remove_a_scheme_and_its_lines(client):
    login(client, "bhr.finance")
    scheme = Scheme.objects.filter(plan__area__slug="havering").order_by("code").first()
    line_ids = list(scheme.expenditure_lines.values_list("pk", flat=True))
    assert line_ids
    page = client.get(f"{BASE}{scheme.code}/remove/")
    assert page.status_code == 200
    assert client.post(f"{BASE}{scheme.code}/remove/", form_data(page)).status_code == 302
    assert not ExpenditureLine.objects.filter(pk__in=line_ids).exists()


def test_removing_a_scheme_someone_changed_since_is_refused_and_removes_nothing(client):
    """Removal names the version read, like every save: a scheme edited after the
    remove page opened is kept, and the page says why."""
    login(client, "bhr.finance")
    scheme = Scheme.objects.filter(plan__area__slug="havering").order_by("code").first()
    page = client.get(f"{BASE}{scheme.code}/remove/")
    Scheme.objects.filter(pk=scheme.pk).update(lock_version=scheme.lock_version + 1)
    response = client.post(f"{BASE}{scheme.code}/remove/", form_data(page))
    assert response.status_code == 409
    assert "Someone changed this scheme after you opened this page" in response.content.decode()
    assert Scheme.objects.filter(pk=scheme.pk).exists()
    assert scheme.expenditure_lines.count() > 0
    # A forged post with no version at all is refused the same way.
    assert client.post(f"{BASE}{scheme.code}/remove/", {}).status_code == 409
    assert Scheme.objects.filter(pk=scheme.pk).exists()


def test_editing_one_line_changes_that_line_only_and_names_who(client):
    """The scheme page writes through the same line writer as the importer: unchanged
    lines are not rewritten, the edited one is updated in place."""
    login(client, "bhr.finance")
    scheme = Scheme.objects.filter(plan__area__slug="havering").order_by("code").first()
    url = f"{BASE}{scheme.code}/"
    before = dict(scheme.expenditure_lines.values_list("pk", "amount"))
    history = ExpenditureLine.history.count()
    data = form_data(client.get(url)) | {"lines-0-amount": "£1,000.00"}
    assert client.post(url, data).status_code == 302
    after = dict(scheme.expenditure_lines.values_list("pk", "amount"))
    assert after.keys() == before.keys()
    assert [pk for pk in after if after[pk] != before[pk]] == [int(data["lines-0-id"])]
    assert ExpenditureLine.history.count() == history + 1
    entry = ExpenditureLine.history.latest("history_id")
    assert (entry.history_type, entry.history_user.username) == ("~", "bhr.finance")


def test_a_posted_line_id_of_another_scheme_cannot_reach_that_line(client):
    login(client, "bhr.finance")
    first, second = Scheme.objects.filter(plan__area__slug="havering").order_by("code")[:2]
    theirs = dict(second.expenditure_lines.values_list("pk", "amount"))
    url = f"{BASE}{first.code}/"
    data = form_data(client.get(url))
    data["lines-0-id"] = str(next(iter(theirs)))
    data["lines-0-amount"] = "1"
    client.post(url, data)
    assert dict(second.expenditure_lines.values_list("pk", "amount")) == theirs


def test_blanking_a_lines_amount_asks_for_one_and_writes_nothing(client):
    """Found by the property test on PostgreSQL: a blank amount reached the database
    (NOT NULL) as a server error."""
    login(client, "bhr.finance")
    scheme = Scheme.objects.filter(plan__area__slug="havering").order_by("code").first()
    url = f"{BASE}{scheme.code}/"
    before = dict(scheme.expenditure_lines.values_list("pk", "amount"))
    response = client.post(url, form_data(client.get(url)) | {"lines-0-amount": ""})
    assert response.status_code == 400
    assert "Enter an amount in pounds; to drop a line, tick its remove box" in (
        response.content.decode()
    )
    assert dict(scheme.expenditure_lines.values_list("pk", "amount")) == before
