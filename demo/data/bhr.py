"""Barking and Dagenham, Havering and Redbridge: one joint 2017-19 narrative, three
plans. Figures from the BHR joint narrative (seed sections 6.2, 8.1-8.5, 11.2-11.9);
the narrative's tables (6.3 milestones, 7.4.4 HICM, 10.2 risks, Appendix 4 documents,
section 13 signatories) are in bhr_rows.py. The prose is our own short summary."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from finance.models import IncomeLine, MinimumAllocation
from metrics.models import (
    MetricBaseline,
    MetricComponentValue,
    MetricDefinition,
    MetricPlanValue,
    MetricTrajectory,
    MetricYearTarget,
)
from plans.models import (
    AreaOfSpend,
    CommissionerType,
    FundingSource,
    SchemeType,
)
from plans.stamps import touch_rows
from schemes.models import ExpenditureLine, Scheme

from .bhr_rows import load_rows, signatory
from .common import (
    answer_conditions,
    create_plans,
    pounds,
    set_minimum,
    sign,
    write_narrative,
    year,
)

BOROUGHS = ["barking-and-dagenham", "havering", "redbridge"]
# Section 13's dates of each board's agreement. Havering's board approved the approach
# on 17 July 2017 and signed under delegated authority; its date here is 6.3's 8 Sep 17,
# when every plan and its spending were approved (milestone 1a).
AGREED_AT_HWB = {
    "barking-and-dagenham": datetime.date(2017, 9, 6),
    "havering": datetime.date(2017, 9, 8),
    "redbridge": datetime.date(2017, 9, 4),
}
PREFIX = {"barking-and-dagenham": "BD", "havering": "H", "redbridge": "R"}
FINANCE_FILE = Path(__file__).with_name("bhr_finance.json")
SPEND_SOURCE = {"CCG_MIN": "ccg-minimum", "IBCF": "ibcf", "DFG": "dfg", "LA_ADD": "la-additional"}
INCOME_SOURCE = {
    "DFG": "dfg",
    "CCG_MIN_RNF": "ccg-minimum-rnf",
    "CCG_MIN_NON_RNF": "ccg-minimum-non-rnf",
    "LA_ADD": "la-additional",
    "CCG_ADD": "ccg-additional",
    "IBCF_GRANT": "ibcf-grant",
    "IBCF_SPRING": "ibcf-spring-budget",
}
SCHEME_TYPE = {
    "Discharge Team": "HICM for managing transfer of care",
    "Enablers for integration": "Enablers for integration",
    "Home First": "HICM for managing transfer of care",
    "Intermediate care": "Intermediate care services",
    "Locality Teams": "Integrated care planning and navigation",
    "Mental Health": "Community based schemes",
    "Placement Pressures": "Residential placements",
    "Provider Rate Reviews": "Home care or domiciliary care",
    "Assistive Technologies": "Assistive technologies",
    "Care Act": "Care Act duties",
    "Carers": "Carers",
    "Community Front Door": "Integrated care planning and navigation",
    "Demand Management": "Prevention / early intervention",
    "DFG": "DFG related schemes",
    "Equipment": "Assistive technologies",
    "Budget Protection": "Other",
    "End Of Life": "Community based schemes",
    "Packages of Care": "Home care or domiciliary care",
    "Supported Living": "Housing related schemes",
}
# 8.5.1 and 8.5.2 minimums, in pounds
SOCIAL_CARE_MINIMUM = {2017: (4970629, 6270264, 6644851), 2018: (5065072, 6389399, 6771103)}
OUT_OF_HOSPITAL_MINIMUM = {2017: (3812152, 4729895, 4809912), 2018: (3884583, 4819763, 4901300)}
# The DFG allocation is the DFG income line, which rounds to section 6.2's £m figures
# (B&D 2018/19 follows 8.1's 1,517 rather than 6.2's £1.577m). Pinning it to 6.2's
# £m exactly is impossible: they sum to £4.766m against 8.1 and 8.3's 4,765.
# 11.6 and 11.7 annual targets: NEA, residential admissions 65+, reablement %, DToC rate
TARGETS = {
    2017: {
        "barking-and-dagenham": ("19746", "160", "84.3", "2322.6"),
        "havering": ("25301", "660.3", "88", "2206.6"),
        "redbridge": ("24929", "150", "89.4", "1396.5"),
    },
    2018: {
        "barking-and-dagenham": ("20138", "160", "84.3", "2322.6"),
        "havering": ("25794", "640.8", "88.4", "2168.4"),
        "redbridge": ("25409", "148", "92.1", "1376.4"),
    },
}
# 11.6/11.7 print Barking and Dagenham's and Redbridge's residential admissions as counts
# of people (no population given), Havering's as a rate per 100,000.
COUNTS = {
    ("barking-and-dagenham", "permanent-admissions-65"),
    ("redbridge", "permanent-admissions-65"),
}
# 11.6/11.7 delayed transfers: areas with no monthly plan set one annual rate per year.
DTOC_ANNUAL = {
    "barking-and-dagenham": {2017: "2322.6", 2018: "2322.6"},
    "havering": {2018: "2168.4"},  # 11.8.2 profiles 2017/18 by month only
    "redbridge": {2017: "1396.5", 2018: "1376.4"},
}
# 11.2-11.5 outturns for 2016/17 printed beside the targets: (value, count or None).
# Redbridge's residential admissions (148) and Havering's delayed days (2,337) are
# printed only as counts, and the metric page keeps a baseline's value, not a bare
# count, so those two are left out rather than turned into invented rates.
BASELINES = {
    ("barking-and-dagenham", "non-elective-admissions"): ("19674", None),
    ("havering", "non-elective-admissions"): ("26368", None),
    ("redbridge", "non-elective-admissions"): ("23493", None),
    ("barking-and-dagenham", "permanent-admissions-65"): ("686.0", "145"),
    ("havering", "permanent-admissions-65"): ("689.0", "321"),
    ("barking-and-dagenham", "reablement-91-days"): ("88.6", None),
    ("havering", "reablement-91-days"): ("87.7", None),
    ("redbridge", "reablement-91-days"): ("91.7", None),
    ("redbridge", "dtoc"): ("1712", None),
}
MONTHS = [
    "Apr-17",
    "May-17",
    "Jun-17",
    "Jul-17",
    "Aug-17",
    "Sep-17",
    "Oct-17",
    "Nov-17",
    "Dec-17",
    "Jan-18",
    "Feb-18",
    "Mar-18",
]
POPULATION = [198408] * 9 + [200246] * 3
# 11.8.2 Havering monthly DToC plans: NHS, social care, joint delayed days; printed rates
HAVERING_DTOC = {
    "Flat projection": (
        [271.8, 280.4, 271.8, 280.8, 280.8, 271.8, 280.8, 271.8, 280.8, 280.8, 253.6, 280.8],
        [84.6, 87.4, 84.6, 87.5, 87.5, 84.6, 87.5, 84.6, 87.5, 87.5, 79.0, 87.5],
        [4.2, 4.3, 4.2, 4.4, 4.4, 4.3, 4.4, 4.3, 4.4, 4.4, 4.0, 4.4],
        [181.7, 187.5, 181.7, 187.8, 187.8, 181.8, 187.8, 181.8, 187.8, 186.1, 168.1, 186.1],
    ),
    "Seasonally adjusted": (
        [235.0, 234.0, 268.0, 301.0, 301.0, 291.6, 311.6, 301.5, 312.6, 280.8, 253.6, 280.8],
        [60.0, 54.0, 39.0, 94.0, 94.0, 90.9, 97.3, 97.3, 94.2, 87.5, 79.0, 87.5],
        [0.0, 0.0, 0.0, 4.7, 4.7, 4.5, 5.0, 5.0, 4.8, 4.4, 4.0, 4.4],
        [148.7, 145.2, 154.7, 201.5, 201.5, 195.1, 208.6, 203.5, 207.5, 186.1, 168.1, 186.1],
    ),
}
# 11.9: the schemes each metric draws on (the seed names scheme groups; these are the
# demo schemes of those groups, linked in every borough that runs them).
CONTRIBUTIONS = {
    "non-elective-admissions": [
        "Demand Management",
        "Locality Teams",
        "End Of Life",
        "Carers",
        "Equipment",
        "Assistive Technologies",
    ],
    "dtoc": [
        "Placement Pressures",
        "Provider Rate Reviews",
        "Intermediate care",
        "Mental Health",
        "Locality Teams",
        "End Of Life",
        "Equipment",
        "Assistive Technologies",
        "DFG",
    ],
    "permanent-admissions-65": [
        "Demand Management",
        "Equipment",
        "Assistive Technologies",
        "Placement Pressures",
        "Provider Rate Reviews",
        "Mental Health",
        "End Of Life",
        "Carers",
        "DFG",
    ],
    "reablement-91-days": [
        "Intermediate care",
        "Placement Pressures",
        "Provider Rate Reviews",
        "Community Front Door",
        "Locality Teams",
        "Equipment",
        "Assistive Technologies",
    ],
}


def build():
    plans = create_plans(
        "2017-19", BOROUGHS, "Barking and Dagenham, Havering and Redbridge joint BCF plan 2017-19"
    )
    narrative = plans[0].narrative
    write_narrative(
        narrative,
        {
            "overview": "Three boroughs in outer north-east London, served by three CCGs that "
            "commission together, write one narrative while keeping their own "
            "pooled budgets and metric plans.",
            "vision": "Move towards an accountable care system in which health and care "
            "services are planned for the population of all three boroughs.",
            "engagement": "Built on the engagement done for the accountable care business "
            "case, with drafts taken to each Health and Wellbeing Board.",
            "schemes-overview": "Schemes sit in four themes: the High Impact Change Model, "
            "prevention and managing demand, market development and "
            "sustainability, and protecting social care.",
            "governance": "Each borough's section 75 agreement governs year one; a joint "
            "commissioning board takes over oversight in year two.",
            "risk-share": "No risk share for 2017-19; each partner remains responsible for "
            "overspends on its own budgets within the fund.",
        },
    )
    answer_conditions(
        narrative,
        {
            ("1", "jointly-agreed"): True,
            ("1", "ibcf-certified"): True,
            ("1", "narrative"): "Agreed under delegated authority to each HWB chair after "
            "drafts went to every board.",
            ("2", "maintained"): True,
            ("2", "narrative"): "The CCG contribution to social care rises with inflation and "
            "supports council base budgets.",
            ("3", "ring-fenced"): True,
            ("3", "narrative"): "Community treatment teams, intensive rehabilitation and "
            "locality teams.",
            ("4", "hicm-adopted"): True,
            ("4", "narrative"): "A single urgent and emergency care plan, led by the A&E "
            "delivery board, carries the high impact changes.",
        },
    )
    load_rows(narrative)
    for plan in plans:
        plan.date_agreed_at_hwb = AGREED_AT_HWB[plan.area.slug]
        plan.save()
        ccgs = list(plan.area.ccgs.values_list("name", flat=True)) or [plan.area.name]
        for role in ("hwb-chair", "dass", "ccg", "s151"):
            # A CCG's accountable officer signs for the CCG, not for the council.
            for organisation in ccgs if role == "ccg" else [plan.area.name]:
                name, position = signatory(plan.area.slug, role, plan.area.name)
                sign(plan, role, organisation, name, position, plan.date_agreed_at_hwb)
    _load_finance(plans)
    _load_minimums(plans)
    _load_metrics(plans)
    return plans


def _load_finance(plans):
    round_ = plans[0].round
    by_area = {plan.area.slug: plan for plan in plans}
    sources = {s.code: s for s in FundingSource.objects.filter(round=round_)}
    areas = {a.name: a for a in AreaOfSpend.objects.filter(round=round_)}
    commissioners = {c.name: c for c in CommissionerType.objects.filter(round=round_)}
    types = {t.name: t for t in SchemeType.objects.filter(round=round_)}
    data = json.loads(FINANCE_FILE.read_text())
    schemes = {}
    for label, content in data.items():
        fy = year(int(label[:4]))
        for row in content["income"]:
            IncomeLine.objects.create(
                plan=by_area[row["area"]],
                year=fy,
                source=sources[INCOME_SOURCE[row["source"]]],
                amount=pounds(row["amount"]),
            )
        lines = []
        for row in content["expenditure"]:
            key = (row["area"], row["theme"], row["scheme"])
            if key not in schemes:
                plan = by_area[row["area"]]
                number = sum(1 for k in schemes if k[0] == row["area"]) + 1
                scheme_type = types[SCHEME_TYPE[row["scheme"]]]
                schemes[key] = Scheme.objects.create(
                    plan=plan,
                    code=f"{PREFIX[row['area']]}{number}",
                    name=row["scheme"],
                    theme=row["theme"],
                    scheme_type=scheme_type,
                    order=number,
                    scheme_type_other="Protecting social care budgets"
                    if scheme_type.is_other
                    else "",
                    lead_commissioner=commissioners["CCG" if row["source"] == "CCG_MIN" else "LA"],
                )
            if row["spend"] == "SC":
                area, commissioner = "Social Care", "LA"
            elif row["spend"] == "ACUTE":
                area, commissioner = "Acute", "CCG"
            else:
                area = "Mental Health" if row["scheme"] == "Mental Health" else "Community Health"
                commissioner = "CCG"
            lines.append(
                ExpenditureLine(
                    scheme=schemes[key],
                    year=fy,
                    source=sources[SPEND_SOURCE[row["source"]]],
                    amount=pounds(row["amount"]),
                    area_of_spend=areas[area],
                    commissioner=commissioners[commissioner],
                )
            )
        ExpenditureLine.objects.bulk_create(lines)
        touch_rows(ExpenditureLine, lines)  # loaded in bulk, without history rows


def _load_minimums(plans):
    for start in (2017, 2018):
        for i, plan in enumerate(plans):
            for kind, table in (
                (MinimumAllocation.Kind.SOCIAL_CARE, SOCIAL_CARE_MINIMUM),
                (MinimumAllocation.Kind.OUT_OF_HOSPITAL, OUT_OF_HOSPITAL_MINIMUM),
            ):
                set_minimum(plan.area, start, kind, table[start][i])
            dfg = plan.income_lines.get(year__start_year=start, source__is_dfg=True)
            set_minimum(plan.area, start, MinimumAllocation.Kind.DFG, dfg.amount)
            # Seed 8.5 confirms each CCG pays exactly its nationally set minimum (the
            # RNF and non-RNF revenue of 8.1), and the minimum pooled budget is what
            # must be pooled: the DFG, the CCG minimum and the iBCF grant.
            lines = plan.income_lines.filter(year__start_year=start).select_related("source")
            ccg = sum(line.amount for line in lines if line.source.is_ccg_minimum)
            ibcf = sum(line.amount for line in lines if line.source.code.startswith("ibcf"))
            set_minimum(plan.area, start, MinimumAllocation.Kind.CCG_MINIMUM, ccg)
            set_minimum(
                plan.area, start, MinimumAllocation.Kind.POOLED_BUDGET, dfg.amount + ccg + ibcf
            )


def _load_metrics(plans):
    round_ = plans[0].round
    metrics = {
        m.code: m
        for m in MetricDefinition.objects.filter(round=round_).prefetch_related(
            "periods", "components"
        )
    }
    annual = ["non-elective-admissions", "permanent-admissions-65", "reablement-91-days"]
    for plan in plans:
        trajectories = {
            code: MetricTrajectory.objects.create(plan=plan, metric=metrics[code])
            for code in annual
        }
        for start, by_area in TARGETS.items():
            values = by_area[plan.area.slug]
            for code, value in zip(annual, values, strict=False):
                period = metrics[code].periods.get(year__start_year=start)
                # A count is kept as the count it is; its rate waits for a population.
                figure = (
                    {"numerator": Decimal(value)}
                    if (plan.area.slug, code) in COUNTS
                    else {"value": Decimal(value)}
                )
                MetricPlanValue.objects.create(
                    trajectory=trajectories[code], period=period, **figure
                )
        for (area, code), (value, count) in BASELINES.items():
            if area == plan.area.slug:
                MetricBaseline.objects.create(
                    plan=plan,
                    metric=metrics[code],
                    period_label="2016/17",
                    value=Decimal(value) if value else None,
                    numerator=Decimal(count) if count else None,
                )
    for code, names in CONTRIBUTIONS.items():
        for scheme in Scheme.objects.filter(plan__in=plans, name__in=names):
            scheme.metrics.add(metrics[code])
    dtoc = metrics["dtoc"]
    _load_havering_dtoc(next(p for p in plans if p.area.slug == "havering"), dtoc)
    for plan in plans:
        trajectory, _new = MetricTrajectory.objects.get_or_create(
            plan=plan, metric=dtoc, is_plan=True, defaults={"name": "Plan"}
        )
        for start, value in DTOC_ANNUAL[plan.area.slug].items():
            MetricYearTarget.objects.create(
                trajectory=trajectory, year=year(start), value=Decimal(value)
            )


def _load_havering_dtoc(havering, dtoc):
    periods = {p.label: p for p in dtoc.periods.all()}
    components = list(dtoc.components.all())
    for name, (nhs, social, joint, rates) in HAVERING_DTOC.items():
        trajectory = MetricTrajectory.objects.create(
            plan=havering, metric=dtoc, name=name, is_plan=name == "Seasonally adjusted"
        )
        for i, label in enumerate(MONTHS):
            parts = [Decimal(str(v)) for v in (nhs[i], social[i], joint[i])]
            for component, value in zip(components, parts, strict=True):
                MetricComponentValue.objects.create(
                    trajectory=trajectory, period=periods[label], component=component, value=value
                )
            MetricPlanValue.objects.create(
                trajectory=trajectory,
                period=periods[label],
                numerator=sum(parts),
                denominator=Decimal(POPULATION[i]),
                value=Decimal(str(rates[i])),
            )
