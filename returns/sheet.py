"""The shapes of a return as its pages, template and report see it: the status of
each part, a row of the returns list, and the sheet (selectors.return_sheet) holding
each part's rows with the plan's figures beside the reported ones. No queries here:
selectors.py fills them."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from metrics.selectors import MetricTable
from plans.models import (
    FundingSource,
    Milestone,
    NationalCondition,
    Plan,
    ReturnPeriod,
    ReturnSettings,
)
from schemes.models import Scheme

from . import rules
from .models import (
    ConditionReport,
    MilestoneReport,
    PlanReturn,
    ReturnPart,
    SchemeReport,
)
from .performance import PerformanceRow


@dataclass
class PartStatus:
    part: str
    title: str
    progress: ReturnPart | None

    @property
    def key(self) -> str:
        if self.progress is None or not self.progress.lock_version:
            return "not_started"
        return "completed" if self.progress.completed else "in_progress"

    @property
    def label(self) -> str:
        return {"not_started": "Not started", "in_progress": "In progress"}.get(
            self.key, "Completed"
        )

    @property
    def tag_class(self) -> str:
        return {"not_started": "govuk-tag--blue", "in_progress": "govuk-tag--light-blue"}.get(
            self.key, ""
        )

    @property
    def version(self) -> int:
        return self.progress.lock_version if self.progress else 0


@dataclass
class ListRow:
    period: ReturnPeriod
    plan_return: PlanReturn | None
    overdue: bool

    @property
    def status(self) -> str:
        if self.plan_return and self.plan_return.is_submitted:
            return "Submitted"
        if self.overdue:
            return "Overdue"
        return "In progress" if self.plan_return else "Not started"


@dataclass
class ConditionRow:
    condition: NationalCondition
    report: ConditionReport | None


@dataclass
class MoneyRow:
    """Income from a source, or a scheme's spend from a source, against the plan."""

    key: str
    label: str
    planned: Decimal
    to_date: Decimal | None
    forecast: Decimal | None
    rag: str | None = None
    scheme: Scheme | None = None
    source: FundingSource | None = None

    @property
    def variance(self) -> Decimal | None:
        return rules.variance(self.planned, self.forecast)

    @property
    def to_name(self) -> str:
        return f"to-{self.key}"

    @property
    def fc_name(self) -> str:
        return f"fc-{self.key}"


@dataclass
class MetricRow:
    period: Any  # metrics.MetricPeriod
    planned: Decimal | None
    actual: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    planned_denominator: Decimal | None
    reported_here: bool
    rag: str | None

    @property
    def variance(self) -> Decimal | None:
        return rules.variance(self.planned, self.actual)

    @property
    def variance_percent(self) -> Decimal | None:
        return rules.variance_percent(self.planned, self.actual)


@dataclass
class MetricBlock:
    table: MetricTable
    rows: list[MetricRow]

    @property
    def metric(self) -> Any:
        return self.table.metric

    @property
    def reported(self) -> list[MetricRow]:
        return [row for row in self.rows if row.reported_here]

    @property
    def shown(self) -> list[MetricRow]:
        """Rows with an actual so far, and those this return reports."""
        return [row for row in self.rows if row.actual is not None or row.reported_here]


@dataclass
class DeliveryRow:
    item: Milestone | Scheme
    report: MilestoneReport | SchemeReport | None


@dataclass
class ReturnSheet:
    plan: Plan
    period: ReturnPeriod
    settings: ReturnSettings
    plan_return: PlanReturn
    parts: list[PartStatus]
    conditions: list[ConditionRow] = field(default_factory=list)
    income: list[MoneyRow] = field(default_factory=list)
    spend: list[MoneyRow] = field(default_factory=list)
    metrics: list[MetricBlock] = field(default_factory=list)
    milestones: list[DeliveryRow] = field(default_factory=list)
    schemes: list[DeliveryRow] = field(default_factory=list)
    performance: list[PerformanceRow] = field(default_factory=list)

    def part(self, code: str) -> PartStatus | None:
        return next((p for p in self.parts if p.part == code), None)

    @property
    def completed(self) -> int:
        return sum(p.key == "completed" for p in self.parts)

    @property
    def spend_totals(self) -> tuple[Decimal, Decimal, Decimal]:
        return (
            sum((r.planned for r in self.spend), Decimal(0)),
            sum((r.to_date or Decimal(0) for r in self.spend), Decimal(0)),
            sum((r.forecast or Decimal(0) for r in self.spend), Decimal(0)),
        )

    def performance_totals(self) -> dict[str, Decimal]:
        keys = ("at_stake", "released", "held_back", "contingency")
        return {
            key: sum((getattr(row.payment, key) for row in self.performance), Decimal(0))
            for key in keys
        }
