"""Submission and assurance: the whole journey, who may do what, immutable versions,
differences between versions, append-only reviews, emails after commit."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from assurance import actions as workflow
from assurance import process
from assurance.tests import journey
from assurance.version_diff import diff_snapshots
from metrics.models import MetricPlanValue, MetricTrajectory
from plans.models import (
    KloeAssessment,
    NarrativeAnswer,
    Plan,
    PlanEvent,
    PlanVersion,
    SectionProgress,
)
from plans.sections.selectors import progress_key
from plans.tests.helpers import form_data, login, plan, section_url
from schemes.models import ExpenditureLine

pytestmark = pytest.mark.django_db
S = Plan.Status


def user(name):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=name)


def complete_metrics(the_plan):
    """The seed has no DToC months for 2018/19; fill them so the plan breaks no rule."""
    for trajectory in MetricTrajectory.objects.filter(plan=the_plan, is_plan=True):
        have = set(trajectory.values.values_list("period_id", flat=True))
        MetricPlanValue.objects.bulk_create(
            MetricPlanValue(trajectory=trajectory, period=period, value=Decimal("1"))
            for period in trajectory.metric.periods.exclude(pk__in=have)
        )
    dtoc = the_plan.round.metrics.get(code="dtoc")
    if not MetricTrajectory.objects.filter(plan=the_plan, metric=dtoc).exists():
        trajectory = MetricTrajectory.objects.create(plan=the_plan, metric=dtoc)
        MetricPlanValue.objects.bulk_create(
            MetricPlanValue(trajectory=trajectory, period=p, value=Decimal("1"))
            for p in dtoc.periods.all()
        )
    assert workflow.blocking_findings(the_plan) == []


@pytest.fixture
def havering():
    the_plan = plan("2017-19", "havering")
    complete_metrics(the_plan)
    return the_plan


def complete_every_section(the_plan):
    """What the authors do on each page: say "Yes, I've completed this section"."""
    for section in the_plan.round.sections.all():
        SectionProgress.objects.update_or_create(
            **progress_key(the_plan, section), defaults={"completed": True}
        )


def answer_every_kloe(the_plan, reviewer, rating="met"):
    process.answer_kloes(
        user=reviewer,
        plan=the_plan,
        answers={kloe: (rating, "") for kloe in the_plan.round.kloes.all()},
    )


def submit(the_plan):
    complete_every_section(the_plan)
    workflow.send_for_sign_off(plan=the_plan, user=user("bhr.commissioner"))
    return workflow.submit(plan=the_plan, user=user("bhr.commissioner"), certified=True)


def test_the_whole_journey_with_emails_after_commit(
    havering, mailoutbox, django_capture_on_commit_callbacks
):
    reviewer, commissioner = user("london.reviewer"), user("bhr.commissioner")
    reviewer.email, commissioner.email = "reviewer@example.org", "bhr@example.org"
    reviewer.save(), commissioner.save()
    with django_capture_on_commit_callbacks(execute=True):
        version = submit(havering)
    assert (version.number, havering.status) == (1, S.SUBMITTED)
    # The area's commissioner; then every London assurer of the first stage's roles.
    assert [m.to for m in mailoutbox] == [
        ["bhr@example.org"],
        [
            "london.assurer.la@example.invalid",
            "london.assurer.nhs@example.invalid",
            "reviewer@example.org",
        ],
    ]
    assert "version 1" in mailoutbox[1].subject

    workflow.start_assurance(plan=havering, user=reviewer)
    vision = havering.round.sections.get(slug="vision")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(
            plan=havering,
            user=reviewer,
            sections=[vision],
            reason="Say how the vision reaches 2020.",
        )
    assert havering.status == S.CHANGES_REQUESTED
    assert "Say how the vision" in mailoutbox[-1].body

    havering.refresh_from_db()
    NarrativeAnswer.objects.filter(narrative=havering.narrative, section=vision).update(
        text="Integrated care by 2020, borough by borough."
    )
    version_2 = submit(havering)
    assert version_2.number == 2
    diff = diff_snapshots(version.snapshot, version_2.snapshot)
    assert [slug for slug, _html in diff.sections] == ["vision"]
    assert not (diff.lists or diff.lines_added or diff.lines_removed or diff.metrics)

    workflow.start_assurance(plan=havering, user=reviewer)
    journey.assess(havering, nhs="london.reviewer")
    with pytest.raises(workflow.TransitionRefused, match="condition"):
        process.propose_outcome(
            plan=havering, user=user("london.moderator"), category="approved-with-conditions"
        )
    condition = [process.ConditionSpec(text="Report DToC monthly.", due=journey.DUE)]
    for hand, action in (
        ("london.moderator", process.propose_outcome),
        ("national.approver", process.confirm_outcome),
    ):
        action(
            plan=havering,
            user=user(hand),
            category="approved-with-conditions",
            conditions=condition,
        )
    havering.refresh_from_db()
    assert havering.status == S.APPROVED_WITH_CONDITIONS
    kinds = list(PlanEvent.objects.filter(plan=havering).values_list("kind", flat=True))
    assert kinds == [
        "sign_off_requested",
        "submitted",
        "assurance_started",
        "changes_requested",
        "sign_off_requested",
        "submitted",
        "assurance_started",
        "assessed",
        "assessed",
        "stage_reached",
        "proposed",
        "stage_reached",
        "outcome",
    ]


def test_submission_is_refused_while_errors_remain_or_without_certification():
    lancashire = plan("2014-16", "lancashire")
    commissioner = user("lancashire.commissioner")
    with pytest.raises(workflow.TransitionRefused, match="Mark every section complete"):
        workflow.send_for_sign_off(plan=lancashire, user=commissioner)
    complete_every_section(lancashire)
    with pytest.raises(workflow.TransitionRefused, match=r"errors? to fix"):
        workflow.send_for_sign_off(plan=lancashire, user=commissioner)
    assert plan("2014-16", "lancashire").status == S.DRAFT
    # Were it waiting for sign-off (sent before a rule changed), submission still refuses.
    Plan.objects.filter(pk=lancashire.pk).update(status=S.AWAITING_SIGN_OFF)
    lancashire = plan("2014-16", "lancashire")
    with pytest.raises(workflow.TransitionRefused, match=r"errors? to fix"):
        workflow.submit(plan=lancashire, user=user("lancashire.commissioner"), certified=True)
    with pytest.raises(workflow.TransitionRefused, match="signed off"):
        workflow.submit(plan=lancashire, user=user("lancashire.commissioner"), certified=False)
    assert not PlanVersion.objects.filter(plan=lancashire).exists()


TRANSITION_ROLES = {
    # transition, status it needs: users allowed
    ("request_sign_off", S.DRAFT): {"bhr.commissioner"},
    ("submit", S.AWAITING_SIGN_OFF): {"bhr.commissioner"},
    # Before assurance starts, the plan is at its round's first stage (the pair).
    ("start_assurance", S.SUBMITTED): {
        "london.reviewer",
        "london.assurer.nhs",
        "london.assurer.la",
        "london.moderator",
    },
    ("request_changes", S.IN_ASSURANCE): {
        "london.reviewer",
        "london.assurer.nhs",
        "london.assurer.la",
    },
    ("record_outcome", S.IN_ASSURANCE): {
        "london.reviewer",
        "london.assurer.nhs",
        "london.assurer.la",
    },
}
USERS = [
    "admin",
    "barnet.commissioner",
    "bhr.commissioner",
    "bhr.finance",
    "london.reviewer",
    "london.assurer.nhs",
    "london.assurer.la",
    "london.moderator",
    "national.approver",
    "northwest.reviewer",
]


@pytest.mark.parametrize("transition,status", sorted(TRANSITION_ROLES))
@pytest.mark.parametrize("username", USERS)
def test_who_may_make_each_transition(transition, status, username):
    the_plan = plan("2017-19", "havering")
    the_plan.status = status
    expected = username in TRANSITION_ROLES[(transition, status)]
    assert workflow.allowed(user(username), the_plan, transition) is expected
    wrong_state = S.APPROVED
    the_plan.status = wrong_state
    assert workflow.allowed(user(username), the_plan, transition) is False


def test_a_refused_user_changes_nothing(havering):
    with pytest.raises(PermissionDenied):
        workflow.send_for_sign_off(plan=havering, user=user("bhr.finance"))
    with pytest.raises(PermissionDenied):
        workflow.send_for_sign_off(plan=havering, user=user("london.reviewer"))
    assert Plan.objects.get(pk=havering.pk).status == S.DRAFT
    assert not PlanEvent.objects.filter(plan=havering).exists()


def test_a_second_submission_makes_no_second_version(havering):
    submit(havering)
    with pytest.raises(workflow.TransitionRefused):
        workflow.submit(
            plan=plan("2017-19", "havering"), user=user("bhr.commissioner"), certified=True
        )
    assert PlanVersion.objects.filter(plan=havering).count() == 1


def test_a_submitted_version_cannot_be_changed_by_any_route(havering, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    version = submit(havering)
    snapshot = dict(version.snapshot)
    version.snapshot = {}
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()
    login(client, "bhr.commissioner")
    url = section_url("2017-19", "havering", "vision")
    assert client.post(url, {"text": "x", "completed": "no", "lock_version": 0}).status_code == 403
    login(client, "bhr.finance")
    assert client.post("/plans/2017-19/havering/finance/income/", {}).status_code == 403
    assert client.post("/plans/2017-19/havering/finance/upload/", {}).status_code == 403
    assert client.post("/plans/2017-19/havering/schemes/new/", {}).status_code == 403
    assert PlanVersion.objects.get(pk=version.pk).snapshot == snapshot


def test_only_the_sections_sent_back_open_for_editing(havering, client):
    submit(havering)
    reviewer = user("london.reviewer")
    workflow.start_assurance(plan=havering, user=reviewer)
    vision = havering.round.sections.get(slug="vision")
    workflow.request_changes(
        plan=havering, user=reviewer, sections=[vision], reason="More detail, please."
    )
    login(client, "bhr.commissioner")
    page = client.get(section_url("2017-19", "havering", "vision")).content.decode()
    assert "More detail, please." in page
    data = form_data(client.get(section_url("2017-19", "havering", "vision")))
    response = client.post(
        section_url("2017-19", "havering", "vision"), data | {"completed": "yes"}
    )
    assert response.status_code == 302
    assert not SectionProgress.objects.get(section=vision, plan__isnull=True).changes_requested
    governance = section_url("2017-19", "havering", "governance")
    assert (
        client.post(governance, form_data(client.get(governance)) | {"completed": "no"}).status_code
        == 403
    )
    login(client, "bhr.finance")
    assert client.post("/plans/2017-19/havering/finance/income/", {}).status_code == 403


def test_two_reviewers_recording_at_once_lose_nothing(havering):
    version = submit(havering)
    workflow.start_assurance(plan=havering, user=user("london.reviewer"))
    kloe = havering.round.kloes.first()
    first = process.answer_kloe(
        plan=havering, kloe=kloe, user=user("london.reviewer"), rating="met", comment="Clear."
    )
    second = process.answer_kloe(
        plan=havering, kloe=kloe, user=user("london.reviewer"), rating="not_met", comment="No."
    )
    assert list(KloeAssessment.objects.filter(version=version, kloe=kloe)) == [first, second]
    with pytest.raises(ValidationError):
        first.save()
    with pytest.raises(PermissionDenied):
        process.answer_kloe(
            plan=havering, kloe=kloe, user=user("northwest.reviewer"), rating="met", comment=""
        )


def test_the_difference_of_a_changed_seed_plan_shows_exactly_the_changes(havering):
    version_1 = submit(havering)
    reviewer = user("london.reviewer")
    workflow.start_assurance(plan=havering, user=reviewer)
    sections = list(havering.round.sections.filter(slug__in=["governance", "finance", "metrics"]))
    workflow.request_changes(
        plan=havering, user=reviewer, sections=sections, reason="Tighten governance and the money."
    )
    governance = NarrativeAnswer.objects.get(
        narrative=havering.narrative, section__slug="governance"
    )
    governance.text = governance.text.replace("section 75", "Section 75") + " Reviewed yearly."
    governance.save()
    line = ExpenditureLine.objects.filter(scheme__plan=havering).order_by("pk").first()
    line.amount += 1
    line.save()
    income = (  # the matching income (or income part) goes up too, so the plan still balances
        havering.income_lines.filter(year=line.year)
        .filter(Q(source=line.source) | Q(source__parent=line.source))
        .first()
    )
    income.amount += 1
    income.save()
    value = MetricPlanValue.objects.filter(
        trajectory__plan=havering, trajectory__is_plan=True, period__label="Apr-17"
    ).get()
    value.value, value.numerator = Decimal("150.0"), Decimal("297.6")
    value.save()
    version_2 = submit(plan("2017-19", "havering"))
    diff = diff_snapshots(version_1.snapshot, version_2.snapshot)
    assert [slug for slug, _ in diff.sections] == ["governance"]
    assert "<ins>" in str(diff.sections[0][1]) and "Reviewed yearly." in str(diff.sections[0][1])
    assert len(diff.lines_added) == len(diff.lines_removed) == 1
    assert str(line.amount) in diff.lines_added[0]
    assert [(m, p, b, a) for m, _t, p, b, a in diff.metrics] == [
        ("dtoc", "Apr-17", "148.70", "150.00")
    ]
    assert [part for part, _added, _removed in diff.lists] == ["income"]


def test_version_pages_and_the_timeline(havering, client, django_assert_max_num_queries):
    submit(havering)
    login(client, "bhr.commissioner")
    base = "/plans/2017-19/havering/"
    assert "Version 1" in client.get(base + "versions/").content.decode()
    page = client.get(base + "versions/1/").content.decode()
    assert "exactly as submitted" in page
    assert "first version" in client.get(base + "versions/1/changes/").content.decode()
    with django_assert_max_num_queries(30):
        timeline = client.get(base + "timeline/").content.decode()
    assert "Submitted" in timeline and "Sent for sign-off" in timeline
    login(client, "barnet.commissioner")
    assert client.get(base + "versions/1/").status_code == 404
    login(client, "london.reviewer")
    assert client.get(base + "versions/1/").status_code == 200
    assert client.get("/assurance/").status_code == 200
    assert "Havering" in client.get("/assurance/").content.decode()
    login(client, "northwest.reviewer")
    assert "Havering" not in client.get("/assurance/").content.decode()
    login(client, "bhr.commissioner")
    assert client.get("/assurance/").status_code == 403


def test_review_page_records_answers_over_http(havering, client):
    submit(havering)
    login(client, "london.reviewer")
    action = "/plans/2017-19/havering/review/action/"
    assert client.post(action, {"action": "start_assurance"}).status_code == 302
    kloe = havering.round.kloes.first()
    client.post(
        action,
        {
            "action": "assess",
            "kloe": kloe.pk,
            "rating": "partially_met",
            "comment": "Needs figures.",
        },
    )
    client.post(action, {"action": "assess", "kloe": kloe.pk, "rating": "bogus"})
    page = client.get("/plans/2017-19/havering/review/").content.decode()
    assert "Your current answer: <strong>Partially met</strong>: Needs figures." in page
    assert KloeAssessment.objects.count() == 1
    login(client, "bhr.commissioner")
    assert client.post(action, {"action": "start_assurance"}).status_code == 403


@pytest.mark.skipif(__import__("shutil").which("pdftotext") is None, reason="no poppler")
def test_a_submitted_version_exports_as_submitted(havering, client):
    import subprocess

    submit(havering)
    NarrativeAnswer.objects.filter(narrative=havering.narrative, section__slug="vision").update(
        text="Changed after submission."
    )
    login(client, "london.reviewer")
    pdf = client.get("/plans/2017-19/havering/versions/1/plan.pdf").content
    body = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "version 1" in body and "Changed after submission." not in body
