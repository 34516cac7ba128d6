from pathlib import Path

import pytest
from django.db.models import Count

from metrics.models import MetricDefinition, MetricPeriod
from plans import models
from plans.reference import loader

pytestmark = pytest.mark.django_db


def test_every_english_upper_tier_area_of_2014_19_is_an_hwb():
    assert models.Area.objects.count() == 152
    by_region = dict(models.Area.objects.values_list("region__slug").annotate(n=Count("pk")))
    assert by_region["london"] == 33  # 32 boroughs and the City
    assert sum(by_region.values()) == 152
    assert set(by_region) == set(loader.REGIONS)


@pytest.mark.parametrize(
    ("slug", "ons_code", "region"),
    [
        ("barnet", "E09000003", "london"),
        ("barking-and-dagenham", "E09000002", "london"),
        ("havering", "E09000016", "london"),
        ("redbridge", "E09000026", "london"),
        ("lancashire", "E10000017", "north-west"),
    ],
)
def test_seed_areas_have_ons_code_and_region(slug, ons_code, region):
    area = models.Area.objects.get(slug=slug)
    assert (area.ons_code, area.region.slug) == (ons_code, region)


def test_lancashire_ccgs_include_the_two_central_lancashire_ccgs():
    names = set(models.Area.objects.get(slug="lancashire").ccgs.values_list("name", flat=True))
    assert {"NHS Greater Preston CCG", "NHS Chorley and South Ribble CCG"} <= names


def test_2014_16_round_is_complete():
    round_ = models.Round.objects.get(slug="2014-16")
    assert [y.label for y in round_.years.all()] == ["2014/15", "2015/16"]
    narrative = set(round_.sections.filter(kind="narrative").values_list("slug", flat=True))
    assert narrative == {
        "provider-engagement",
        "public-engagement",
        "vision",
        "aims",
        "planned-changes",
        "acute-implications",
        "governance",
    }
    assert all(s.prompt for s in round_.sections.all())
    conditions = round_.national_conditions.prefetch_related("questions")
    assert [c.code for c in conditions] == ["a", "b", "c", "d", "e"]
    data_sharing = conditions.get(code="c").questions.filter(answer_type="confirmation")
    assert set(data_sharing.values_list("key", flat=True)) == {
        "nhs-number",
        "open-apis",
        "ig-controls",
    }
    assert round_.risk_scale == "hml" and not round_.risks_scored
    metrics = set(MetricDefinition.objects.filter(round=round_).values_list("code", flat=True))
    assert metrics == {
        "permanent-admissions-65",
        "reablement-91-days",
        "dtoc",
        "avoidable-emergency-admissions",
        "patient-experience",
        "local-metric",
    }
    assert MetricDefinition.objects.get(round=round_, code="local-metric").is_local


def test_2017_19_round_is_complete():
    round_ = models.Round.objects.get(slug="2017-19")
    assert [c.code for c in round_.national_conditions.all()] == ["1", "2", "3", "4"]
    changes = models.HighImpactChange.objects.filter(round=round_)
    assert changes.count() == 8
    assert list(
        models.MaturityLevel.objects.filter(round=round_).values_list("name", flat=True)
    ) == ["Not yet established", "Plans in place", "Established", "Mature", "Exemplary"]
    sources = models.FundingSource.objects.filter(round=round_)
    assert set(sources.filter(parent__code="ccg-minimum").values_list("code", flat=True)) == {
        "ccg-minimum-rnf",
        "ccg-minimum-non-rnf",
    }
    assert sources.get(is_dfg=True).code == "dfg"
    assert set(round_.sign_off_roles.values_list("slug", flat=True)) == {
        "hwb-chair",
        "dass",
        "ccg",
        "s151",
    }
    dtoc = MetricDefinition.objects.get(round=round_, code="dtoc")
    assert (dtoc.unit, dtoc.rate_base, dtoc.age_band, dtoc.better) == (
        "rate",
        100000,
        "18+",
        "lower",
    )
    periods = list(dtoc.periods.values_list("label", flat=True))
    assert len(periods) == 24 and periods[0] == "Apr-17" and periods[-1] == "Mar-19"
    assert [c.code for c in dtoc.components.all()] == ["nhs", "social-care", "joint"]
    assert round_.kloes.count() >= 8
    assert round_.rules.filter(code="protection_of_social_care").exists()


def test_loading_again_changes_nothing():
    tables = (
        models.Area,
        models.Section,
        models.FundingSource,
        MetricPeriod,
        models.KeyLineOfEnquiry,
    )

    def counts():
        return [m.objects.count() for m in tables]

    before = counts()
    loader.load_areas()
    loader.load_all_rounds()
    assert counts() == before


def test_a_new_round_is_a_data_file_not_code(tmp_path):
    text = (loader.ROUNDS_DIR / "2017-19.toml").read_text()
    text = text.replace('slug = "2017-19"', 'slug = "2019-20"', 1)
    text = text.replace("years = [2017, 2018]", "years = [2019]")
    path = Path(tmp_path) / "2019-20.toml"
    path.write_text(text)
    round_ = loader.load_round(path)
    assert [y.label for y in round_.years.all()] == ["2019/20"]
    assert round_.sections.count() == models.Section.objects.filter(round__slug="2017-19").count()
    labels = MetricPeriod.objects.filter(metric__round=round_, metric__code="dtoc")
    assert labels.first().label == "Apr-19" and labels.count() == 12
