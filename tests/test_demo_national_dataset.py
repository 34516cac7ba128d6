"""generate_national_dataset writes plans whose own template uploads back cleanly:
percentages within 0-100, every other figure one the template accepts."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from finance.models import TemplateUpload
from metrics.models import MetricComponentValue, MetricDefinition, MetricPlanValue
from metrics.rates import rate
from plans.models import Plan, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def synthetic():
    call_command("generate_national_dataset", areas=3, schemes=3, lines=2, verbosity=0)
    return Plan.objects.filter(narrative__title__startswith="Synthetic").select_related(
        "area", "round"
    )


def test_every_synthetic_percentage_is_within_0_and_100(synthetic):
    assert synthetic.count() == 3
    values = MetricPlanValue.objects.filter(
        trajectory__plan__in=synthetic,
        trajectory__metric__unit=MetricDefinition.Unit.PERCENTAGE,
    ).values_list("value", flat=True)
    assert values  # the round has a percentage metric (reablement)
    assert all(0 <= v <= 100 for v in values)
    others = MetricPlanValue.objects.filter(trajectory__plan__in=synthetic).exclude(
        trajectory__metric__unit=MetricDefinition.Unit.PERCENTAGE
    )
    assert all(v >= 0 for v in others.values_list("value", flat=True))
    # Delayed transfers are counted in parts over a population, the rate computed.
    dtoc = MetricPlanValue.objects.filter(
        trajectory__plan__in=synthetic, trajectory__metric__code="dtoc"
    )
    assert dtoc.count() == 3 * 24
    assert all(rate(v.numerator, v.denominator, 100000) == v.value for v in dtoc)
    assert MetricComponentValue.objects.filter(trajectory__plan__in=synthetic).count() == 3 * 72


def test_a_synthetic_plans_own_template_uploads_without_problems(synthetic, client, settings):
    draft = synthetic.get(status=Plan.Status.DRAFT)
    officer = get_user_model().objects.create_user("synthetic.finance")
    Role.objects.create(user=officer, kind=Role.Kind.FINANCE_OFFICER).areas.add(draft.area)
    client.force_login(officer)
    base = f"/plans/{draft.round.slug}/{draft.area.slug}/"
    download = client.get(base + "template.xlsx")
    assert download.status_code == 200
    response = client.post(
        base + "finance/upload/", {"template": SimpleUploadedFile("plan.xlsx", download.content)}
    )
    record = TemplateUpload.objects.get(plan=draft)
    assert record.problems == []
    assert record.outcome == "unchanged"
    assert response.status_code == 302
