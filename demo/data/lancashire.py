"""Lancashire 2014-16: an early draft, from the Central Lancashire seed. Only the
plan details, minimum and two engagement sections are in; the rest is to do."""

import datetime

from finance.models import MinimumAllocation

from .common import create_plans, set_minimum, sign, write_narrative


def build():
    [plan] = create_plans("2014-16", ["lancashire"], "Lancashire Better Care Fund plan 2014-16")
    plan.date_agreed_at_hwb = datetime.date(2014, 1, 28)
    plan.save()
    for ccg in ("NHS Greater Preston CCG", "NHS Chorley and South Ribble CCG"):
        sign(plan, "ccg", ccg)
    sign(plan, "council", "Lancashire County Council")
    sign(plan, "hwb-chair", "Lancashire Health and Wellbeing Board")
    write_narrative(
        plan.narrative,
        {
            "provider-engagement": "Community and acute providers co-produced neighbourhood "
            "teams and urgent care changes; district councils and the "
            "voluntary sector sit on the steering groups.",
            "public-engagement": "Six engagement events in a year, with carers and expert "
            "patients, shaped the vision and its 'I' statements.",
        },
    )
    for start, amount in ((2014, 0), (2015, 24555000)):
        set_minimum(plan.area, start, MinimumAllocation.Kind.POOLED_BUDGET, amount)
    return [plan]
