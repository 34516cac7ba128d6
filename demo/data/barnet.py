"""Barnet 2014-16, from the Barnet Part 1 seed: plan details, sign-off and minimums.

The seed gives the pooled budget only as totals (2014/15 £6,634,000; 2015/16
£24,213,247), so the split by source and scheme below is illustrative; it sums to
those totals to the penny."""

import datetime

from finance.models import IncomeLine, MinimumAllocation
from plans.models import AreaOfSpend, CommissionerType, FundingSource, SchemeType
from schemes.models import ExpenditureLine, Scheme

from .common import (
    add_documents,
    add_risks,
    answer_conditions,
    create_plans,
    pounds,
    set_minimum,
    sign,
    write_narrative,
    year,
)

MINIMUM_POOLED_BUDGET = {2014: 6634000, 2015: 23412000}
INCOME = {  # source -> (2014/15, 2015/16)
    "ccg-minimum": (6634000, 21505000),
    "dfg": (0, 1129000),
    "social-care-capital": (0, 778000),
    "ccg-additional": (0, 801247),
}
SCHEMES = [  # code, name, type, area of spend, commissioner, provider, 2014/15, 2015/16, source
    (
        "B1",
        "Older people's integrated care",
        "Integrated care and case management",
        "Community Health",
        "CCG",
        "Central London Community Healthcare",
        1500000,
        2800000,
        "ccg-minimum",
    ),
    (
        "B2",
        "Rapid response, seven days a week",
        "Seven-day working",
        "Community Health",
        "CCG",
        "Central London Community Healthcare",
        900000,
        900000,
        "ccg-minimum",
    ),
    (
        "B3",
        "Care navigation and multidisciplinary case planning",
        "Integrated care and case management",
        "Community Health",
        "CCG",
        "Barnet CCG",
        400000,
        800000,
        "ccg-minimum",
    ),
    (
        "B4",
        "Protecting adult social care",
        "Protecting social care",
        "Social Care",
        "Local Authority",
        "London Borough of Barnet",
        3834000,
        14005000,
        "ccg-minimum",
    ),
    (
        "B5",
        "Falls, stroke, dementia and end-of-life pathway redesign",
        "Prevention and self-care",
        "Community Health",
        "CCG",
        "Barnet CCG",
        0,
        3000000,
        "ccg-minimum",
    ),
    (
        "B6",
        "Disabled Facilities Grant",
        "Disabled Facilities Grant",
        "Social Care",
        "Local Authority",
        "London Borough of Barnet",
        0,
        1129000,
        "dfg",
    ),
    (
        "B7",
        "Social care capital",
        "Enablers (IT, workforce, estates)",
        "Social Care",
        "Local Authority",
        "London Borough of Barnet",
        0,
        778000,
        "social-care-capital",
    ),
    (
        "B8",
        "Care Bill implementation",
        "Protecting social care",
        "Social Care",
        "Local Authority",
        "London Borough of Barnet",
        0,
        801247,
        "ccg-additional",
    ),
]


# Part 1 section 4: the five risks, all rated high; our own summaries of each.
RISKS = [
    (
        "1",
        "high",
        "Moving money into new joint schemes could destabilise current providers, "
        "particularly acute hospitals.",
        "Assess the model's impact across the local health economy and keep providers "
        "involved in design and transition.",
    ),
    (
        "2",
        "high",
        "The baseline data behind the plan may be wrong, making the targets from 2015/16 "
        "unachievable.",
        "Validate the modelling of costs and opportunities and watch the baselines for "
        "early signs of drift.",
    ),
    (
        "3",
        "high",
        "Organisational and operational pressures may leave the workforce unable to "
        "deliver the plans.",
        "Deliver through the joint commissioning unit, share delivery with providers, "
        "pump-prime early if needed and keep other commissioning options open.",
    ),
    (
        "4",
        "high",
        "Better quality and prevention may not reduce hospital and care home activity as "
        "expected, leaving less money for core services.",
        "Base prevention on evidence, engage widely to raise take-up, and monitor outcomes "
        "so services can be adjusted.",
    ),
    (
        "5",
        "high",
        "The Care Bill will raise the cost of care from April 2016 by an amount not yet "
        "known, straining social care funding.",
        "A council work programme is assessing the Bill's costs, with a national survey "
        "and cost model to estimate the cap and deferred payments.",
    ),
]
# Part 1 section 1e: the related documents listed (titles as printed, no links given).
DOCUMENTS = [
    ("", "Barnet Health and Social Care Concordat", ""),
    ("", "Barnet Integrated Health and Social Care Model 2013", ""),
    ("", "Barnet Health & Well-Being Strategy", ""),
    ("", "Barnet Council Corporate Plan", ""),
    ("", "Barnet CCG Integrated Strategic and Operational Plan (ISOP)", ""),
    ("", "Barnet CCG Recovery Plan", ""),
    ("", "Barnet Joint Strategic Needs Assessment (JSNA) 2011-2015", ""),
    ("", "Health and Social Care Integration Board Terms of Reference", ""),
    ("", "Health and Social Care Integration Board Programme Governance", ""),
    ("", "Barnet, Enfield & Haringey Clinical Strategy", ""),
    ("", "Older People Integrated Care business case", ""),
    ("", "Shared Care Record outline business case", ""),
    ("", "Health & Social Care outline business case", ""),
]


def build():
    [plan] = create_plans("2014-16", ["barnet"], "Barnet Better Care Fund plan 2014-16")
    plan.boundary_differences = (
        "Council and CCG boundaries match; the CCG's registered list includes some people "
        "living in neighbouring boroughs, and the care model covers them too."
    )
    plan.date_agreed_at_hwb = datetime.date(2014, 3, 20)
    plan.date_submitted = datetime.date(2014, 3, 11)
    plan.save()
    sign(
        plan,
        "ccg",
        "NHS Barnet CCG",
        "John Morton",
        "Chief Operating Officer",
        datetime.date(2014, 3, 20),
    )
    sign(
        plan,
        "council",
        "London Borough of Barnet",
        "Cllr Sachin Rajput",
        "Cabinet Member for Adults",
        datetime.date(2014, 3, 20),
    )
    sign(
        plan,
        "hwb-chair",
        "Barnet Health and Wellbeing Board",
        "Councillor Helena Hart",
        "Cabinet Member for Public Health and Chairman of Barnet Health and Wellbeing Board",
        datetime.date(2014, 3, 20),
    )
    narrative = plan.narrative
    write_narrative(
        narrative,
        {
            "provider-engagement": "Providers helped design the integrated care model through "
            "mapping, design workshops and the integration board.",
            "public-engagement": "Healthwatch, the older adults partnership board and voluntary "
            "groups tested the model in workshops and surveys.",
            "vision": "By 2018/19 more care is coordinated around the person in the community, "
            "with less reliance on hospital and residential care.",
        },
    )
    answer_conditions(
        narrative,
        {
            ("a", "local-definition"): "Keep current eligibility and fund extra social care "
            "demand that the integrated model creates.",
            ("b", "commitment"): True,
            ("c", "nhs-number"): True,
            ("c", "open-apis"): True,
            ("c", "ig-controls"): True,
            ("e", "jointly-agreed"): True,
            # The seed's section on the acute sector says the acute trusts helped
            # design the model and its modelled impact on them.
            ("e", "acute-impact-agreed"): True,
        },
    )
    add_risks(narrative, RISKS)
    add_documents(narrative, DOCUMENTS)
    round_ = plan.round
    sources = {s.code: s for s in FundingSource.objects.filter(round=round_)}
    for start, index in ((2014, 0), (2015, 1)):
        set_minimum(
            plan.area, start, MinimumAllocation.Kind.POOLED_BUDGET, MINIMUM_POOLED_BUDGET[start]
        )
        for code, amounts in INCOME.items():
            if amounts[index]:
                IncomeLine.objects.create(
                    plan=plan, source=sources[code], year=year(start), amount=pounds(amounts[index])
                )
    for order, (code, name, type_, area, commissioner, provider, y1, y2, source) in enumerate(
        SCHEMES
    ):
        scheme = Scheme.objects.create(
            plan=plan,
            code=code,
            name=name,
            order=order,
            lead_provider=provider,
            scheme_type=SchemeType.objects.get(round=round_, name=type_),
            lead_commissioner=CommissionerType.objects.get(round=round_, name=commissioner),
        )
        for start, amount in ((2014, y1), (2015, y2)):
            if amount:
                ExpenditureLine.objects.create(
                    scheme=scheme,
                    source=sources[source],
                    year=year(start),
                    amount=pounds(amount),
                    provider=provider,
                    area_of_spend=AreaOfSpend.objects.get(round=round_, name=area),
                    commissioner=scheme.lead_commissioner,
                )
    return [plan]
