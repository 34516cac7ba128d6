"""Assurance as the regions run it: the pair, moderation, national confirmation,
escalation, the calendar, and who may act in each stage (issue 18)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db.models import Max

from assurance import actions, calendar, process, selectors
from assurance.snapshot import take_snapshot
from demo.data.assurance import run_assurance
from plans import permissions
from plans.models import (
    DeadlineNotice,
    KloeAssessment,
    OutcomeCondition,
    Plan,
    PlanEvent,
    PlanVersion,
    Recommendation,
)
from plans.tests.helpers import login, plan

from .journey import DUE, LA, NHS, assess, decide, user
from .test_workflow import complete_metrics, submit

pytestmark = pytest.mark.django_db
S = Plan.Status
HAVERING = "/plans/2017-19/havering/"


@pytest.fixture
def havering():
    the_plan = plan("2017-19", "havering")
    complete_metrics(the_plan)
    submit(the_plan)
    actions.start_assurance(user=user("london.assurer.nhs"), plan=the_plan)
    return the_plan


def test_the_round_defines_its_stages_categories_and_calendar():
    round_17 = plan("2017-19", "havering").round
    assert [(s.kind, s.roles) for s in round_17.stages.all()] == [
        ("assess", ["reviewer", "la_assurer"]),
        ("moderate", ["moderator"]),
        ("confirm", ["national_approver"]),
    ]
    assert [c.label for c in round_17.outcome_categories.all()] == [
        "Approved",
        "Approved with conditions",
        "Not approved",
    ]
    assert round_17.deadlines.get(kind="resubmission").due == datetime.date(2017, 10, 31)
    round_14 = plan("2014-16", "barnet").round
    assert [c.label for c in round_14.outcome_categories.all()] == [
        "Approved",
        "Approved with support",
        "Approved subject to conditions",
        "Not approved",
    ]


def test_both_assurers_must_complete_before_moderation(havering):
    assert havering.assurance_stage.kind == "assess"
    nhs = user("london.assurer.nhs")
    process.answer_kloes(
        user=nhs, plan=havering, answers={k: ("met", "") for k in havering.round.kloes.all()}
    )
    process.complete_assessment(user=nhs, plan=havering)
    havering.refresh_from_db()
    assert havering.assurance_stage.kind == "assess"  # the local government half is to come
    with pytest.raises(actions.TransitionRefused, match="complete"):
        process.answer_kloe(
            user=nhs, plan=havering, kloe=havering.round.kloes.first(), rating="not_met", comment=""
        )
    la = user("london.assurer.la")
    process.answer_kloes(
        user=la, plan=havering, answers={k: ("met", "") for k in havering.round.kloes.all()}
    )
    process.complete_assessment(user=la, plan=havering)
    havering.refresh_from_db()
    assert havering.assurance_stage.kind == "moderate"
    assert set(selectors.assignments(havering)) == {NHS, LA}  # the pair picked it up


def test_a_moderator_cannot_answer_in_an_assurers_name_nor_assess(havering):
    moderator = user("london.moderator")
    kloe = havering.round.kloes.first()
    with pytest.raises(PermissionDenied):
        process.answer_kloes(user=moderator, plan=havering, answers={kloe: ("met", "")}, role=NHS)
    with pytest.raises(PermissionDenied):
        process.complete_assessment(user=moderator, plan=havering)
    assert not KloeAssessment.objects.exists()


def test_an_assigned_pair_excludes_other_assurers_of_the_region(havering):
    reviewer, nhs = user("london.reviewer"), user("london.assurer.nhs")
    process.assign_assurer(user=user("london.moderator"), plan=havering, role=NHS, assurer=nhs)
    with pytest.raises(PermissionDenied):
        process.answer_kloe(
            user=reviewer,
            plan=havering,
            kloe=havering.round.kloes.first(),
            rating="met",
            comment="",
        )
    with pytest.raises(PermissionDenied):  # only a moderator or administrator assigns
        process.assign_assurer(user=nhs, plan=havering, role=NHS, assurer=reviewer)
    with pytest.raises(actions.TransitionRefused, match="not a"):
        process.assign_assurer(
            user=user("london.moderator"), plan=havering, role=LA, assurer=reviewer
        )
    assert PlanEvent.objects.filter(plan=havering, kind="assigned").count() == 1


def test_moderation_shows_disagreements_first_and_needs_them_reconciled(havering):
    met1 = havering.round.kloes.get(code="MET1")
    nhs, la = user("london.assurer.nhs"), user("london.assurer.la")
    for who, hand in ((nhs, NHS), (la, LA)):
        answers = {k: ("met", "") for k in havering.round.kloes.all()}
        answers[met1] = ("partially_met" if hand == NHS else "not_met", "")
        process.answer_kloes(user=who, plan=havering, answers=answers, role=hand)
        process.complete_assessment(user=who, plan=havering, role=hand)
    version = selectors.latest_version(havering)
    rows = selectors.moderation_rows(havering, version)
    assert rows[0].kloe.code == "MET1" and rows[0].disagreement
    assert [r.kloe.code for r in rows if r.disagreement] == ["MET1"]
    moderator = user("london.moderator")
    with pytest.raises(actions.TransitionRefused, match="MET1"):
        process.propose_outcome(user=moderator, plan=havering, category="approved")
    process.answer_kloes(
        user=moderator, plan=havering, answers={met1: ("partially_met", "2017/18 only")}
    )
    assert selectors.moderation_rows(havering, version)[0].rating == "partially_met"
    process.propose_outcome(user=moderator, plan=havering, category="approved")
    havering.refresh_from_db()
    assert havering.assurance_stage.kind == "confirm"
    assert havering.status == S.IN_ASSURANCE  # a proposal is not the decision


def test_the_national_approver_may_move_the_category_only_with_a_reason(havering):
    assess(havering)
    process.propose_outcome(user=user("london.moderator"), plan=havering, category="approved")
    approver = user("national.approver")
    with pytest.raises(actions.TransitionRefused, match="Say why"):
        process.confirm_outcome(
            user=approver,
            plan=havering,
            category="approved-with-conditions",
            conditions=[process.ConditionSpec("Agree the 2018/19 DToC months.", DUE)],
        )
    decision = process.confirm_outcome(
        user=approver,
        plan=havering,
        category="approved-with-conditions",
        conditions=[process.ConditionSpec("Agree the 2018/19 DToC months.", DUE)],
        reason="Calibrated against other London plans missing 2018/19 months.",
    )
    havering.refresh_from_db()
    assert (havering.status, havering.assurance_stage) == (S.APPROVED_WITH_CONDITIONS, None)
    assert decision.is_final and decision.label == "Approved with conditions"
    assert list(OutcomeCondition.objects.values_list("due", flat=True)) == [DUE]


def test_with_support_names_the_support_and_approves(client):
    barnet = plan("2014-16", "barnet")
    Plan.objects.filter(pk=barnet.pk).update(status=S.SUBMITTED)
    barnet.refresh_from_db()
    PlanVersion.objects.create(plan=barnet, number=1, snapshot=take_snapshot(barnet))
    actions.start_assurance(user=user("london.assurer.nhs"), plan=barnet)
    assess(barnet)
    with pytest.raises(actions.TransitionRefused, match="support"):
        process.propose_outcome(
            user=user("london.moderator"), plan=barnet, category="approved-with-support"
        )
    process.propose_outcome(
        user=user("london.moderator"),
        plan=barnet,
        category="approved-with-support",
        support="A finance adviser for the pooled budget.",
    )
    process.confirm_outcome(
        user=user("national.approver"),
        plan=barnet,
        category="approved-with-support",
        support="A finance adviser for the pooled budget.",
    )
    barnet.refresh_from_db()
    assert barnet.status == S.APPROVED
    assert Recommendation.objects.get(version__plan=barnet, is_final=True).support
    # The decision is read in its own words, not as the status it leads to.
    assert barnet.status_label == "Approved with support"
    login(client, "barnet.commissioner")
    for url in ("/plans/", barnet.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "Approved with support" in page, url


ROLES_BY_STAGE = {
    # stage kind: who may act there on a London plan
    "assess": {"london.reviewer", "london.assurer.nhs", "london.assurer.la"},
    "moderate": {"london.moderator"},
    "confirm": {"national.approver"},
}
EVERYONE = [
    "admin",
    "bhr.commissioner",
    "bhr.finance",
    "london.reviewer",
    "london.assurer.nhs",
    "london.assurer.la",
    "london.moderator",
    "national.approver",
    "northwest.reviewer",
]


@pytest.mark.parametrize("kind", sorted(ROLES_BY_STAGE))
@pytest.mark.parametrize("username", EVERYONE)
def test_who_acts_in_each_stage(havering, kind, username):
    stage = havering.round.stages.get(kind=kind)
    acts = bool(selectors.acting_roles(user(username), havering, stage))
    assert acts is (username in ROLES_BY_STAGE[kind])


@pytest.mark.parametrize("username", EVERYONE)
def test_nobody_in_assurance_edits_the_plan(havering, username):
    plan_now = plan("2017-19", "havering")
    assert not permissions.can_edit_narrative(user(username), plan_now)
    assert not permissions.can_edit_finance(user(username), plan_now)


def test_the_national_approver_sees_every_region_and_regional_roles_their_own():
    lancashire = plan("2014-16", "lancashire")  # North West
    Plan.objects.filter(pk=lancashire.pk).update(status=S.SUBMITTED)
    visible = {
        name: set(
            permissions.visible_plans(user(name))
            .filter(status=S.SUBMITTED)
            .values_list("area__slug", flat=True)
        )
        for name in (
            "national.approver",
            "london.moderator",
            "london.assurer.la",
            "northwest.reviewer",
        )
    }
    assert visible["national.approver"] == {"lancashire"}
    assert visible["london.moderator"] == set() == visible["london.assurer.la"]
    assert visible["northwest.reviewer"] == {"lancashire"}
    drafts = permissions.visible_plans(user("national.approver")).filter(status=S.DRAFT)
    assert not drafts.exists()  # approvers see submitted plans, never drafts


@pytest.mark.parametrize(
    "username,status",
    [
        ("london.assurer.la", 200),
        ("london.moderator", 200),
        ("national.approver", 200),
        ("northwest.reviewer", 404),
        ("barnet.commissioner", 404),
        ("bhr.finance", 403),
    ],
)
def test_the_review_page_by_role_and_region(client, havering, username, status):
    login(client, username)
    assert client.get(HAVERING + "review/").status_code == status


def test_the_whole_process_over_http_and_the_timeline_shows_every_step(client, havering):
    met1 = havering.round.kloes.get(code="MET1")
    for username, hand, rating in (
        ("london.assurer.nhs", NHS, "partially_met"),
        ("london.assurer.la", LA, "not_met"),
    ):
        login(client, username)
        data = {f"rating-{k.pk}": "met" for k in havering.round.kloes.all()}
        data[f"rating-{met1.pk}"] = rating
        assert client.post(HAVERING + "review/answers/", data).status_code == 302
        client.post(HAVERING + "review/action/", {"action": "complete", "as": hand})
    login(client, "london.moderator")
    page = client.get(HAVERING + "review/").content.decode()
    assert page.index('id="moderate-MET1"') < page.index('id="moderate-PR1"')
    assert "Disagreement" in page
    client.post(HAVERING + "review/answers/", {f"rating-{met1.pk}": "partially_met"})
    response = client.post(
        HAVERING + "review/action/",
        {
            "action": "propose",
            "category": "approved-with-conditions",
            "condition-0": "Agree the 2018/19 monthly DToC plan.",
            "condition-0-due": "2017-10-31",
        },
    )
    assert response.status_code == 302
    login(client, "national.approver")
    page = client.get(HAVERING + "review/").content.decode()
    assert "Moderation proposed" in page
    # The proposal's condition is on the confirmation form, not to be typed again.
    assert 'value="Agree the 2018/19 monthly DToC plan."' in page
    client.post(
        HAVERING + "review/action/",
        {
            "action": "confirm",
            "category": "approved-with-conditions",
            "condition-0": "Agree the 2018/19 monthly DToC plan.",
            "condition-0-due": "2017-10-31",
        },
    )
    havering.refresh_from_db()
    assert havering.status == S.APPROVED_WITH_CONDITIONS
    condition = OutcomeCondition.objects.get(recommendation__is_final=True)
    assert (condition.text, condition.due) == (
        "Agree the 2018/19 monthly DToC plan.",
        datetime.date(2017, 10, 31),
    )
    kinds = [e.kind for e in havering.events.exclude(kind="letter_issued")]
    assert kinds[-6:] == [
        "assessed",
        "assessed",
        "stage_reached",
        "proposed",
        "stage_reached",
        "outcome",
    ]
    login(client, "bhr.commissioner")
    timeline = client.get(HAVERING + "timeline/").content.decode()
    for words in (
        "Assurance started",
        "Assessment completed",
        "Moved to the next stage",
        "Outcome proposed",
        "Outcome recorded",
    ):
        assert words in timeline, words


def test_bad_condition_dates_are_refused_and_write_nothing(client, havering):
    assess(havering)
    login(client, "london.moderator")
    client.post(
        HAVERING + "review/action/",
        {
            "action": "propose",
            "category": "approved-with-conditions",
            "condition-0": "Agree the plan.",
            "condition-0-due": "2017-02-30",
        },
    )
    assert not Recommendation.objects.exists()
    client.post(HAVERING + "review/action/", {"action": "propose", "category": "made-up"})
    assert not Recommendation.objects.exists()


def test_reminders_go_once_per_plan_and_deadline(
    havering, mailoutbox, django_capture_on_commit_callbacks
):
    assessment_due = havering.round.deadlines.get(slug="regional-assessment").due
    with django_capture_on_commit_callbacks(execute=True):
        # 9 September: the drafts still owe the 11 September submission; Havering does not.
        assert calendar.send_reminders(today=assessment_due - datetime.timedelta(days=20)) == 2
        assert not DeadlineNotice.objects.filter(plan=havering).exists()
        assert calendar.send_reminders(today=assessment_due - datetime.timedelta(days=2)) == 1
        assert calendar.send_reminders(today=assessment_due - datetime.timedelta(days=1)) == 0
    assert "Regional assessment deadline" in mailoutbox[-1].subject
    assert "london.assurer.la@example.invalid" in mailoutbox[-1].to
    assert DeadlineNotice.objects.filter(plan=havering, kind="reminder").count() == 1
    overdue = calendar.overdue_by_plan(
        Plan.objects.filter(pk=havering.pk).annotate(version_count=Max("versions__number")),
        today=assessment_due + datetime.timedelta(days=3),
    )
    assert overdue[havering.pk].days == 3


def test_a_plan_missing_its_resubmission_deadline_is_escalated_once(havering, mailoutbox):
    decide(havering, "not-approved", rating="not_met")
    havering.refresh_from_db()
    after = datetime.date(2017, 11, 1)
    assert calendar.escalate_overdue(today=datetime.date(2017, 10, 30)) == 0
    assert calendar.escalate_overdue(today=after) == 1
    assert calendar.escalate_overdue(today=after) == 0
    event = PlanEvent.objects.get(plan=havering, kind="escalated")
    assert event.actor is None and "31 October 2017" in event.note


def test_conditions_past_their_deadline_escalate_and_the_approver_can_escalate(havering):
    decide(havering, "approved-with-conditions")
    assert calendar.escalate_overdue(today=datetime.date(2017, 11, 1)) == 1
    with pytest.raises(PermissionDenied):
        process.escalate(user=user("london.moderator"), plan=havering, reason="Late.")
    with pytest.raises(actions.TransitionRefused, match="reason"):
        process.escalate(user=user("national.approver"), plan=havering, reason=" ")
    process.escalate(user=user("national.approver"), plan=havering, reason="Direction considered.")
    assert PlanEvent.objects.filter(plan=havering, kind="escalated").count() == 2


def test_the_calendar_command_runs_the_daily_pass(havering):
    decide(havering, "not-approved", rating="not_met")
    call_command("run_calendar", today="2017-11-01", verbosity=0)
    assert PlanEvent.objects.filter(plan=havering, kind="escalated").count() == 1


def test_the_demo_story_runs_through_every_stage():
    havering, redbridge = run_assurance()
    havering.refresh_from_db()
    assert havering.status == S.APPROVED
    assert [v.number for v in havering.versions.all()] == [1, 2]
    first = Recommendation.objects.get(version__plan=havering, version__number=1, is_final=True)
    assert first.label == "Approved with conditions"
    assert first.condition_items.get().due == datetime.date(2017, 10, 31)
    assert KloeAssessment.objects.filter(version=first.version, role="moderator").count() == 1
    assert redbridge.status == S.SUBMITTED
    assert plan("2017-19", "barking-and-dagenham").status == S.DRAFT


def test_the_versions_page_lists_each_outcome_and_its_letter(client):
    run_assurance()
    login(client, "bhr.commissioner")
    page = client.get(HAVERING + "versions/").content.decode()
    assert "Approved with conditions" in page and "versions/1/outcome-letter.pdf" in page
    assert "versions/2/outcome-letter.pdf" in page
    letter = client.get(HAVERING + "outcome-letter.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"


def test_the_review_and_queue_pages_take_a_fixed_number_of_queries(
    client, havering, django_assert_max_num_queries
):
    """Measured at 55 (review, moderation stage, 22 KLOEs × 3 hands) and 12 (queue);
    answers, assignments and stages are read in bulk, never per row."""
    assess(havering)
    login(client, "london.moderator")
    with django_assert_max_num_queries(60):
        assert client.get(HAVERING + "review/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/assurance/").status_code == 200
