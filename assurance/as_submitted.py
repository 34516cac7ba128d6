"""A submitted version as its readers see it: the snapshot's parts in display-ready
groups, with every total added up from the snapshot's own lines (as Decimal), never
read from the plan as it is now. The version page and the version PDF both draw on
`as_submitted`; `present` is the pure part, from the snapshot alone."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateformat import format as format_date

from metrics.models import MetricDefinition
from plans.models import ConditionQuestion, Plan, Risk
from schemes.models import ExpenditureLine, lead_provider_display

from .snapshot import round_wording

ZERO = Decimal("0")
A = ConditionQuestion.AnswerType


def _decimal(text):
    if text in (None, ""):
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def _int(text):
    number = _decimal(text)
    return None if number is None else int(number)


def _date(text):
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _long_date(value):
    return format_date(value, "j F Y") if value else ""


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


def _places(value):
    """Decimal places a figure needs: 2 for 84.35, 1 for 181.70, 0 for 25301.00."""
    value = _decimal(value)
    if value is None or value == value.to_integral():
        return 0
    return max(0, -value.normalize().as_tuple().exponent)


def number(value, places=None):
    """A metric figure as the seeds print it: 25,301 · 181.7 · 88.4 (no trailing zeros),
    or with `places` decimals, so that a column's figures line up."""
    value = _decimal(value)
    if value is None:
        return ""
    places = _places(value) if places is None else places
    return f"{value.quantize(Decimal(1).scaleb(-places)):,f}"


def _column(values):
    """A column of figures, each with as many decimals as the most precise needs."""
    places = max((_places(v) for v in values), default=0)
    return [number(v, places) for v in values]


def year_label(start):
    start = int(start)
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass
class Year:
    start: int
    label: str


@dataclass
class Detail:
    key: str
    value: str


@dataclass
class Question:
    text: str
    answer: str
    answered: bool
    is_text: bool = False


@dataclass
class Condition:
    code: str
    title: str
    questions: list[Question] = field(default_factory=list)


@dataclass
class MoneyRow:
    """One row of a money table: an amount per year (None where there is none)."""

    label: str
    by_year: list
    total: Decimal


@dataclass
class MoneyTable:
    rows: list[MoneyRow]
    totals: list[Decimal]  # per year
    total: Decimal


@dataclass
class Line:
    year: str
    source: str
    area_of_spend: str
    commissioner: str
    shares: str
    provider_type: str
    provider: str
    recurrence: str
    amount: Decimal


@dataclass
class Scheme:
    code: str
    name: str
    theme: str
    type: str
    description: str
    objectives: str
    lead_provider: str
    lines: list[Line] = field(default_factory=list)
    joint_lead_provider: str = ""
    by_year: list = field(default_factory=list)
    total: Decimal = ZERO

    @property
    def anchor(self):
        return f"scheme-{self.code}"

    @property
    def lead_provider_display(self):
        return lead_provider_display(self.lead_provider, self.joint_lead_provider)


@dataclass
class YearBalance:
    year: Year
    income: Decimal
    expenditure: Decimal

    @property
    def difference(self):
        return self.income - self.expenditure


@dataclass
class MetricRow:
    period: str
    components: list[str]
    numerator: str
    denominator: str
    value: str


@dataclass
class Trajectory:
    name: str
    is_plan: bool | None
    components: list[str]  # component names, the columns before the totals
    rows: list[MetricRow]

    @property
    def has_counts(self):
        return any(row.numerator or row.denominator for row in self.rows)

    @property
    def is_narrow(self):
        """A period and a value only: laid out at half width."""
        return not (self.components or self.has_counts)


@dataclass
class Metric:
    code: str
    name: str
    unit: str
    rate_base: int | None
    numerator_label: str
    denominator_label: str
    trajectories: list[Trajectory] = field(default_factory=list)

    @property
    def value_label(self):
        if self.unit == MetricDefinition.Unit.PERCENTAGE:
            return "Planned (%)"
        if self.rate_base:
            return f"Planned rate per {self.rate_base:,}"
        return "Planned"


@dataclass
class RiskRow:
    reference: str
    description: str
    likelihood: int | None
    impact: int | None
    mitigation: str
    rating: str

    @property
    def score(self):
        if self.likelihood is None or self.impact is None:
            return None
        return self.likelihood * self.impact


@dataclass
class AsSubmitted:
    details: list[Detail]
    sections: list[tuple[str, str]]
    conditions: list[Condition]
    years: list[Year]
    balance: list[YearBalance]
    income: MoneyTable
    spend_by_source: MoneyTable
    schemes: list[Scheme]
    expenditure: MoneyTable  # one row per scheme
    metrics: list[Metric]
    risks: list[RiskRow]
    risks_scored: bool
    milestones: list[dict]
    hicm: list[dict]
    sign_offs: list[dict]
    related_documents: list[dict]

    @property
    def income_total(self):
        return self.income.total

    @property
    def expenditure_total(self):
        return self.expenditure.total

    @property
    def contents(self):
        """(anchor, title) of each part the page and the PDF show, in their order."""
        parts = [("plan-details", "Plan details")]
        parts += [(f"section-{i}", title) for i, (title, _text) in enumerate(self.sections, 1)]
        parts += [
            ("national-conditions", "National conditions"),
            ("finance", "Income and expenditure"),
            ("schemes", "Schemes and expenditure lines"),
            ("metrics", "Metrics"),
            ("risks", "Risk log"),
        ]
        if self.milestones:
            parts.append(("milestones", "Milestones"))
        if self.hicm:
            parts.append(("hicm", "High Impact Change Model self-assessment"))
        if self.related_documents:
            parts.append(("related-documents", "Related documents"))
        parts.append(("sign-off", "Sign-off"))
        return parts


def _details(plan, submitted_at):
    submitted = _date(plan.get("date_submitted")) or (
        timezone.localtime(submitted_at).date()
        if isinstance(submitted_at, datetime)
        else _date(submitted_at)
    )
    ccgs = plan.get("ccgs")
    rows = [
        ("Health and Wellbeing Board", plan.get("area_name", plan.get("area", ""))),
        ("Plan", plan.get("title", "")),
        ("Round", plan.get("round_name", plan.get("round", ""))),
        (
            "Clinical Commissioning Groups",
            "Not kept with this version" if ccgs is None else ", ".join(ccgs) or "None",
        ),
        (
            "Differences between the CCG and Health and Wellbeing Board boundaries",
            plan.get("boundary_differences") or "None stated",
        ),
        (
            "Date agreed at the Health and Wellbeing Board",
            _long_date(_date(plan.get("date_agreed_at_hwb"))) or "Not given",
        ),
        ("Date submitted", _long_date(submitted) or "Not given"),
        ("Status", _label(Plan.Status, plan.get("status", ""))),
    ]
    return [Detail(key, value) for key, value in rows]


def _answer(question_type, answer):
    """(text, answered) of one condition answer, as the plan PDF words it."""
    if answer is None:
        return "Not answered", False
    if question_type == A.CONFIRMATION:
        if answer.get("confirmed") == "True":
            return "Yes", True
        if answer.get("confirmed") == "False":
            by = _long_date(_date(answer.get("in_place_by")))
            return (f"Not yet, in place by {by}" if by else "Not yet"), True
        return "Not answered", False
    if question_type == A.PERCENTAGE:
        value = number(answer.get("percentage"))
        return (f"{value}%", True) if value else ("Not answered", False)
    if question_type == A.DATE:
        value = _long_date(_date(answer.get("date")))
        return (value, True) if value else ("Not answered", False)
    text = answer.get("text", "")
    return (text, True) if text.strip() else ("Not answered", False)


def _conditions(snapshot):
    answers = {(a.get("condition"), a.get("question")): a for a in snapshot.get("conditions", [])}
    groups = {}
    for q in snapshot.get("condition_questions", []):
        key = (q["condition"], q["question"])
        group = groups.setdefault(q["condition"], Condition(q["condition"], q["condition_title"]))
        text, answered = _answer(q["answer_type"], answers.pop(key, None))
        group.questions.append(Question(q["text"], text, answered, q["answer_type"] == A.TEXT))
    for (code, key), answer in answers.items():  # answers to questions the round no longer asks
        group = groups.setdefault(code, Condition(code, ""))
        kind = A.CONFIRMATION if answer.get("confirmed") else A.TEXT
        text, answered = _answer(kind, answer)
        group.questions.append(Question(key, text, answered, kind == A.TEXT))
    return list(groups.values())


def _ordered(first, rest):
    """`first` (the round's order) then anything else in `rest`, each once."""
    rest = list(rest)
    present_ = set(rest)
    return list(dict.fromkeys([*(x for x in first if x in present_), *rest]))


def _table(amounts, labels, years):
    """A MoneyTable from {(label, year): amount}."""
    rows = []
    for label in labels:
        by_year = [amounts.get((label, y.start)) for y in years]
        rows.append(MoneyRow(label, by_year, sum((a for a in by_year if a), ZERO)))
    totals = [sum((amounts.get((label, y.start), ZERO) for label in labels), ZERO) for y in years]
    return MoneyTable(rows, totals, sum(totals, ZERO))


def _add(lines, key):
    out = defaultdict(lambda: ZERO)
    for line in lines:
        out[(line[key], int(line["year"]))] += _decimal(line.get("amount")) or ZERO
    return dict(out)


def _shares(line):
    nhs, la = number(line.get("nhs_share")), number(line.get("la_share"))
    return f"{nhs}% NHS, {la}% LA" if nhs and la else ""


def _schemes(snapshot, years):
    schemes = {}
    for row in snapshot.get("schemes", []):
        kind = row.get("scheme_type", "")
        if row.get("scheme_type_other"):
            kind = f"{kind or 'Other'}: {row['scheme_type_other']}"
        schemes[row["code"]] = Scheme(
            code=row["code"],
            name=row.get("name", ""),
            theme=row.get("theme", ""),
            type=kind,
            description=row.get("description", ""),
            objectives=row.get("objectives", ""),
            lead_provider=row.get("lead_provider", ""),
            joint_lead_provider=row.get("joint_lead_provider", ""),
        )
    for row in snapshot.get("expenditure", []):
        scheme = schemes.setdefault(row["scheme"], Scheme(row["scheme"], "", "", "", "", "", ""))
        scheme.lines.append(
            Line(
                year=year_label(row["year"]),
                source=row.get("source", ""),
                area_of_spend=row.get("area_of_spend", ""),
                commissioner=row.get("commissioner", ""),
                shares=_shares(row),
                provider_type=row.get("provider_type", ""),
                provider=row.get("provider", ""),
                recurrence=_label(ExpenditureLine.Recurrence, row.get("recurrence", "")),
                amount=_decimal(row.get("amount")) or ZERO,
            )
        )
    by_scheme = _add(snapshot.get("expenditure", []), "scheme")
    table = _table(by_scheme, list(schemes), years)
    for scheme, row in zip(schemes.values(), table.rows, strict=True):
        scheme.by_year, scheme.total = row.by_year, row.total
        row.label = f"{scheme.code} {scheme.name}".strip()
    return list(schemes.values()), table


def _metrics(snapshot):
    definitions = {d["code"]: d for d in snapshot.get("metric_definitions", [])}
    component_names = defaultdict(dict)
    for c in snapshot.get("metric_component_names", []):
        component_names[c["metric"]][c["code"]] = c["name"]
    flags = {
        (t["metric"], t["name"]): t["is_plan"] == "True" for t in snapshot.get("trajectories", [])
    }
    components = defaultdict(dict)  # (metric, trajectory, period) -> {component code: value}
    for c in snapshot.get("metric_components", []):
        components[(c["metric"], c["trajectory"], c["period"])][c["component"]] = c["value"]
    series = defaultdict(dict)  # metric -> trajectory -> [value rows]
    for row in snapshot.get("metrics", []):
        series[row["metric"]].setdefault(row["trajectory"], []).append(row)
    out = []
    for code in _ordered(definitions, series):
        d = definitions.get(code, {})
        metric = Metric(
            code=code,
            name=d.get("name", code),
            unit=d.get("unit", ""),
            rate_base=_int(d.get("rate_base")),
            numerator_label=d.get("numerator_label", ""),
            denominator_label=d.get("denominator_label", ""),
        )
        named = [name for (m, name) in flags if m == code]
        for name in _ordered(named, series.get(code, {})):
            rows = series[code].get(name, [])
            used = {k for r in rows for k in components[(code, name, r["period"])]}
            columns = _ordered(component_names[code], used)
            parts = [components[(code, name, r["period"])] for r in rows]
            figures = [
                *(_column([part.get(c) for part in parts]) for c in columns),
                _column([r.get("numerator") for r in rows]),
                _column([r.get("denominator") for r in rows]),
                _column([r.get("value") for r in rows]),
            ]
            metric.trajectories.append(
                Trajectory(
                    name=name,
                    is_plan=flags.get((code, name)),  # None: not kept
                    components=[component_names[code].get(c, c) for c in columns],
                    rows=[
                        MetricRow(r["period"], list(cells[:-3]), *cells[-3:])
                        for r, cells in zip(rows, zip(*figures, strict=True), strict=True)
                    ],
                )
            )
        out.append(metric)
    return out


def present(snapshot, *, submitted_at=None):
    """The snapshot in display-ready groups. Snapshots taken before a part was kept
    lack its key; each part reads with a default, so every version still renders."""
    snapshot = snapshot or {}
    plan = snapshot.get("plan", {})
    income_lines, spend_lines = snapshot.get("income", []), snapshot.get("expenditure", [])
    starts = sorted({int(line["year"]) for line in [*income_lines, *spend_lines]})
    years = [Year(start, year_label(start)) for start in starts]
    sources = snapshot.get("funding_sources", [])
    income = _table(
        _add(income_lines, "source"),
        _ordered(sources, [line["source"] for line in income_lines]),
        years,
    )
    spend_by_source = _table(
        _add(spend_lines, "source"),
        _ordered(sources, [line["source"] for line in spend_lines]),
        years,
    )
    schemes, expenditure = _schemes(snapshot, years)
    titles = snapshot.get("section_titles", {})
    sections = snapshot.get("sections", {})
    risks = [
        RiskRow(
            reference=r.get("reference", ""),
            description=r.get("description", ""),
            likelihood=_int(r.get("likelihood")),
            impact=_int(r.get("impact")),
            mitigation=r.get("mitigation", ""),
            rating=_label(Risk.Rating, r.get("rating", "")),
        )
        for r in snapshot.get("risks", [])
    ]
    return AsSubmitted(
        details=_details(plan, submitted_at),
        sections=[(titles.get(slug, slug), sections[slug]) for slug in _ordered(titles, sections)],
        conditions=_conditions(snapshot),
        years=years,
        balance=[
            YearBalance(year, income_total, spend_total)
            for year, income_total, spend_total in zip(
                years, income.totals, expenditure.totals, strict=True
            )
        ],
        income=income,
        spend_by_source=spend_by_source,
        schemes=schemes,
        expenditure=expenditure,
        metrics=_metrics(snapshot),
        risks=risks,
        risks_scored=bool(plan.get("risks_scored"))
        or any(r.likelihood is not None or r.impact is not None for r in risks),
        milestones=[
            {**m, "due_date": _date(m.get("due_date"))} for m in snapshot.get("milestones", [])
        ],
        hicm=snapshot.get("hicm", []),
        sign_offs=[
            {**s, "signed_on": _date(s.get("signed_on"))} for s in snapshot.get("sign_offs", [])
        ],
        related_documents=snapshot.get("related_documents", []),
    )


def as_submitted(version):
    """The version as submitted. A snapshot taken before the round's wording was kept
    with it (section titles, condition questions, metric names) is read with the
    round's wording as it is now; a current snapshot reads nothing else."""
    snapshot = version.snapshot or {}
    if "section_titles" not in snapshot:
        round_ = version.plan.round
        plan = {"round_name": round_.name, "risks_scored": round_.risks_scored}
        snapshot = {
            **round_wording(round_.pk),
            **snapshot,
            "plan": {**plan, **snapshot.get("plan", {})},
        }
    return present(snapshot, submitted_at=version.submitted_at)
