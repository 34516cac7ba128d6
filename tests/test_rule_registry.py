"""One rule registry: every rule a round names has a function, a round's own severity
takes effect, and a typo in a round's rules is refused rather than switching a rule
off in silence."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from metrics.models import MetricYearTarget
from plans import system_checks
from plans.admin import RoundRuleForm
from plans.findings import RULES, WARNING, check_plan
from plans.models import Plan, RoundRule
from plans.reference import loader

pytestmark = pytest.mark.django_db


def test_every_rule_of_every_shipped_round_is_declared_once():
    codes = set(RoundRule.objects.values_list("code", flat=True))
    assert codes and codes <= set(RULES)
    assert {"pooled_budget_minimum", "protection_of_social_care", "metrics_complete"} <= codes


def test_each_rule_says_what_it_asks_in_words_a_user_knows():
    for rule in RULES.values():
        assert rule.title[0].isupper() and "_" not in rule.title, rule.code


def _round_file_with(tmp_path, old, new):
    text = (loader.ROUNDS_DIR / "2017-19.toml").read_text()
    assert old in text
    path = Path(tmp_path) / "2017-19.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_manage_py_check_fails_on_a_round_naming_an_unknown_rule(tmp_path, monkeypatch):
    _round_file_with(tmp_path, '"spend_covers_allocation"', '"spend_cover_allocation"')
    monkeypatch.setattr(system_checks, "ROUNDS_DIR", Path(tmp_path))
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    message = str(refused.value)
    assert "plans.E001" in message
    assert "Round 2017-19 names rule 'spend_cover_allocation'" in message


def test_manage_py_check_passes_on_the_shipped_rounds():
    call_command("check")  # raises SystemCheckError on any error


def test_loading_a_round_with_an_unknown_rule_is_refused_and_writes_nothing(tmp_path):
    before = list(RoundRule.objects.filter(round__slug="2017-19").values_list("code", flat=True))
    path = _round_file_with(tmp_path, '"risk_scores_valid"', '"risk_score_valid"')
    with pytest.raises(ValueError, match="risk_score_valid"):
        loader.load_round(path)
    after = RoundRule.objects.filter(round__slug="2017-19").values_list("code", flat=True)
    assert list(after) == before


def test_a_rounds_own_severity_for_a_rule_takes_effect(tmp_path):
    """Havering's plan without its 2018/19 DToC target misses months (an error by
    default); a round that makes metrics_complete a warning lets the same finding stop
    blocking submission."""
    havering = Plan.objects.select_related("round").get(area__slug="havering")
    MetricYearTarget.objects.filter(trajectory__plan=havering).delete()
    [missing] = [f for f in check_plan(havering) if f.code == "metrics_complete"]
    assert missing.severity == "error"
    path = _round_file_with(
        tmp_path, '"metrics_complete"', '{ code = "metrics_complete", severity = "warning" }'
    )
    loader.load_round(path)
    [softened] = [f for f in check_plan(havering) if f.code == "metrics_complete"]
    assert (softened.severity, softened.message) == (WARNING, missing.message)


def test_a_rule_switched_off_in_the_round_file_stops_running(tmp_path):
    havering = Plan.objects.select_related("round").get(area__slug="havering")
    path = _round_file_with(tmp_path, '"metrics_complete",', "")
    loader.load_round(path)
    assert "metrics_complete" not in {f.code for f in check_plan(havering)}


def test_a_rule_code_with_no_function_is_never_skipped_in_silence():
    havering = Plan.objects.select_related("round").get(area__slug="havering")
    RoundRule.objects.create(round=havering.round, code="no_such_rule", order=99)
    with pytest.raises(LookupError, match="no_such_rule"):
        check_plan(havering)


def test_the_admin_offers_only_declared_rules():
    havering = Plan.objects.get(area__slug="havering")
    typo = RoundRuleForm({"order": 1, "code": "metric_complete", "severity": ""})
    assert not typo.is_valid() and "code" in typo.errors
    fine = RoundRuleForm({"order": 1, "code": "metrics_complete", "severity": WARNING})
    assert fine.is_valid(), fine.errors
    assert havering.round.rules.filter(code="metrics_complete").exists()
