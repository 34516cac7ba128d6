"""Every action checks who may act itself, so a page, the importer or a command that
forgets to ask cannot write: another area's user, a reviewer or a finance officer on
the narrative is refused and nothing is written."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from finance.actions import save_income
from finance.models import IncomeLine
from metrics.actions import save_metric
from metrics.forms import MetricValuesForm
from metrics.selectors import metric_tables
from plans.models import NarrativeAnswer, Plan
from plans.sections.actions import save_section
from schemes.actions import remove_scheme, save_scheme
from schemes.models import ExpenditureLine, Scheme
from workbook.actions import import_template

pytestmark = pytest.mark.django_db


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def havering():
    return Plan.objects.select_related("round", "area", "narrative").get(area__slug="havering")


def test_save_section_refuses_a_finance_officer_and_other_areas(havering):
    vision = havering.round.sections.get(slug="vision")
    before = list(NarrativeAnswer.objects.values_list("text", flat=True))
    for username in ("bhr.finance", "barnet.commissioner", "london.reviewer"):
        with pytest.raises(PermissionDenied):
            save_section(
                plan=havering,
                section=vision,
                user=user(username),
                read_version=0,
                completed=False,
                write=lambda: NarrativeAnswer.objects.update(text="overwritten"),
            )
    assert list(NarrativeAnswer.objects.values_list("text", flat=True)) == before


def test_save_income_refuses_other_areas_and_reviewers(havering):
    source, year = havering.round.funding_sources.first(), havering.round.years.first()
    before = list(IncomeLine.objects.values_list("pk", "amount"))
    for username in ("barnet.commissioner", "london.reviewer"):
        with pytest.raises(PermissionDenied):
            save_income(
                user=user(username),
                plan=havering,
                amounts={(source, year): Decimal(1)},
                posted_version=0,
            )
    assert list(IncomeLine.objects.values_list("pk", "amount")) == before


def test_scheme_actions_refuse_other_areas(havering):
    scheme = Scheme.objects.filter(plan=havering).first()
    lines = list(ExpenditureLine.objects.values_list("pk", "amount"))
    with pytest.raises(PermissionDenied):
        save_scheme(
            user=user("barnet.commissioner"),
            plan=havering,
            scheme=scheme,
            attributes={"name": "Taken over"},
            metrics=None,
            lines=[],
            read_version=scheme.lock_version,
        )
    with pytest.raises(PermissionDenied):
        remove_scheme(
            user=user("london.reviewer"),
            plan=havering,
            scheme=scheme,
            read_version=scheme.lock_version,
        )
    scheme.refresh_from_db()
    assert scheme.name != "Taken over"
    assert list(ExpenditureLine.objects.values_list("pk", "amount")) == lines


def test_save_metric_and_import_refuse_another_area(havering):
    table = metric_tables(havering)[0]
    form = MetricValuesForm({}, table=table)
    form.is_valid()
    with pytest.raises(PermissionDenied):
        save_metric(
            user=user("barnet.commissioner"),
            plan=havering,
            table=table,
            form=form,
            posted_version=0,
        )
    with pytest.raises(PermissionDenied):
        import_template(user=user("london.reviewer"), plan=havering, data=b"x", filename="a")
    assert not havering.uploads.exists()
