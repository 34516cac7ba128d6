"""Barnet 2014-16, from the Barnet Part 1 seed: plan details, sign-off and minimums.

The seed gives the pooled budget only as totals (2014/15 £6,634,000; 2015/16
£24,213,247), so the split by source and scheme below is illustrative; it sums to
those totals to the penny."""

import datetime

from finance.models import IncomeLine, MinimumAllocation
from plans.models import AreaOfSpend, CommissionerType, FundingSource, Risk, SchemeType
from schemes.models import ExpenditureLine, Scheme

from .common import (
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
        "Chairman of the Health and Wellbeing Board",
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
    Risk.objects.create(
        narrative=narrative,
        reference="1",
        rating="high",
        order=0,
        description="Moving money into new joint schemes could destabilise "
        "current providers, particularly acute hospitals.",
        mitigation="Assess the impact on each provider before money moves.",
    )
    Risk.objects.create(
        narrative=narrative,
        reference="2",
        rating="high",
        order=1,
        description="The baseline data behind the plan may be wrong, making "
        "2015/16 targets unachievable.",
        mitigation="Validate the modelling and review it each quarter.",
    )
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
