"""The plan's task list: every section of the round with its status and link."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from finance.models import IncomeLine
from metrics.models import MetricPlanValue
from plans.findings import plan_findings
from plans.models import (
    ConditionAnswer,
    HighImpactChangeAssessment,
    Milestone,
    NarrativeAnswer,
    Plan,
    RelatedDocument,
    Risk,
    Section,
    SectionProgress,
    SignOff,
)
from plans.sections.selectors import section_status
from plans.stamps import kept_for_plan
from schemes.models import ExpenditureLine, Scheme

Kind = Section.Kind
# Sections edited on their own app's pages rather than the generic section form.
APP_PAGES = {
    Kind.SCHEMES: "schemes:list",
    Kind.FINANCE: "finance:summary",
    Kind.METRICS: "metrics:plan",
}


def _exists(model, **lookups):
    return Exists(model.objects.filter(**lookups))


def content_by_kind(plan):
    """{section kind: has content} for the kinds that are not plain narrative, in one
    query whatever the size of the plan."""
    narrative, this_plan = OuterRef("narrative"), OuterRef("pk")
    checks = {
        Kind.SIGN_OFF: _exists(SignOff, plan=this_plan, signed_by__gt=""),
        Kind.RELATED_DOCUMENTS: _exists(RelatedDocument, narrative=narrative),
        Kind.NATIONAL_CONDITIONS: _exists(ConditionAnswer, narrative=narrative),
        Kind.RISKS: _exists(Risk, narrative=narrative),
        Kind.MILESTONES: _exists(Milestone, narrative=narrative),
        Kind.HICM: _exists(HighImpactChangeAssessment, narrative=narrative, maturity__isnull=False),
        Kind.SCHEMES: _exists(Scheme, plan=this_plan),
        Kind.FINANCE: _exists(IncomeLine, plan=this_plan)
        | _exists(ExpenditureLine, scheme__plan=this_plan),
        Kind.METRICS: _exists(MetricPlanValue, trajectory__plan=this_plan),
    }
    row = (
        Plan.objects.filter(pk=plan.pk)
        .annotate(**{f"has_{kind}": check for kind, check in checks.items()})
        .values(*(f"has_{kind}" for kind in checks))
        .get()
    )
    flags = {kind: row[f"has_{kind}"] for kind in checks}
    flags[Kind.PLAN_DETAILS] = bool(plan.boundary_differences or plan.date_agreed_at_hwb)
    return flags


def _content(plan):
    """(the sections with a narrative answer, {section kind: has content})."""
    answered = set(
        NarrativeAnswer.objects.filter(narrative=plan.narrative_id)
        .filter(~Q(text=""))
        .values_list("section_id", flat=True)
    )
    return answered, content_by_kind(plan)


def section_for_finding(finding, sections):
    """The section a finding's `where` points into: by slug, else by kind."""
    token = finding.where.split("#", 1)[0]
    for section in sections:
        if section.slug == token:
            return section
    for section in sections:
        if section.kind == token.replace("-", "_"):
            return section
    return None


def section_url(plan, section):
    args = [plan.round.slug, plan.area.slug]
    if section.kind in APP_PAGES:
        return reverse(APP_PAGES[section.kind], args=args)
    return reverse("plans:section", args=[*args, section.slug])


def finding_url(plan, finding, sections):
    section = section_for_finding(finding, sections)
    if section is None:
        return ""
    anchor = finding.where.partition("#")[2]
    return section_url(plan, section) + (f"#{anchor}" if anchor else "")


@dataclass
class Task:
    section: Section
    url: str
    status: object
    errors: int
    updated_by: object = None
    updated_at: object = None


def task_list(plan, findings=None):
    """[Task] for every section of the round, and the findings they came from."""
    sections = list(plan.round.sections.all())
    findings = plan_findings(plan) if findings is None else findings
    errors = Counter(
        section.pk
        for f in findings
        if f.severity == "error" and (section := section_for_finding(f, sections))
    )
    progress = {
        row.section_id: row
        for row in SectionProgress.objects.for_plan(plan).select_related("updated_by")
    }
    answered, content = kept_for_plan("task-content", plan, _content)
    tasks = []
    for section in sections:
        row = progress.get(section.pk)
        has_content = (
            section.pk in answered
            if section.kind == Kind.NARRATIVE
            else bool(content.get(section.kind))
        )
        status = section_status(
            has_content=has_content,
            completed=bool(row and row.completed),
            changes_requested=bool(row and row.changes_requested),
            error_count=errors[section.pk],
        )
        tasks.append(
            Task(
                section,
                section_url(plan, section),
                status,
                errors[section.pk],
                row.updated_by if row else None,
                row.updated_at if row else None,
            )
        )
    return tasks, findings


# The task list in the order people write a plan: who it is from and who signed it,
# what it says, the money, the metrics; then it is checked and sent.
GROUPS = (
    ("Plan details and sign-off", (Kind.PLAN_DETAILS, Kind.SIGN_OFF)),
    (
        "Narrative",
        (
            Kind.NARRATIVE,
            Kind.RELATED_DOCUMENTS,
            Kind.NATIONAL_CONDITIONS,
            Kind.RISKS,
            Kind.MILESTONES,
            Kind.HICM,
        ),
    ),
    ("Money", (Kind.SCHEMES, Kind.FINANCE)),
    ("Metrics", (Kind.METRICS,)),
)


@dataclass
class TaskGroup:
    number: int
    title: str
    tasks: list


def task_groups(tasks):
    """[TaskGroup] of the tasks, numbered, in GROUPS' order (sections keep the round's
    order inside their group); a group the round has no section for is left out."""
    groups = []
    for title, kinds in GROUPS:
        found = [task for task in tasks if task.section.kind in kinds]
        if found:
            groups.append(TaskGroup(len(groups) + 1, title, found))
    placed = {task.section.pk for group in groups for task in group.tasks}
    rest = [task for task in tasks if task.section.pk not in placed]
    if rest:
        groups.append(TaskGroup(len(groups) + 1, "Other sections", rest))
    return groups
