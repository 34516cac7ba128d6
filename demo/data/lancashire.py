"""Lancashire 2014-16: an early draft, from the Central Lancashire seed. The plan
details, the two CCGs' sign-off rows (the draft is the two Central Lancashire CCGs',
not every CCG of the county), the minimum, two engagement sections, the related
documents and the four risks are in; the rest is to do."""

import datetime

from finance.models import MinimumAllocation

from .common import add_documents, add_risks, create_plans, set_minimum, sign, write_narrative

# Part 1 section 4, rated as printed; our own summaries.
RISKS = [
    (
        "1",
        "medium",
        "Funding may not be sustained beyond 2015/16 while both partners must make "
        "savings, so a lasting model is hard to build.",
        "Keep telling government what an unsustained fund would do to these services.",
    ),
    (
        "2",
        "medium",
        "Disputes over whether a service is a health or a care cost strain relations "
        "between the CCGs and the council.",
        "Regular meetings and workshops, and a move to funding that follows need across "
        "the whole system.",
    ),
    (
        "3",
        "medium",
        "The Care Bill will raise the cost of care from April 2016 by an amount not yet known.",
        "An initial impact assessment, refined as the final submission is prepared.",
    ),
    (
        "4",
        "high",
        "The schemes may fail to move money out of acute and nursing care into the community.",
        "Map costs and opportunities across the whole system, and invest in data and "
        "satisfaction surveys to adjust the plans over two years.",
    ),
]
# Part 1 section 1e: reference, title as printed, our synopsis.
DOCUMENTS = [
    ("E1", "JSNA", "The council's and both CCGs' joint assessment of local health needs."),
    ("E2", "Delivering seven day services", "The bid to be an early adopter of seven-day working."),
    (
        "E3",
        "Urgent Care transformational programme",
        "The integrated care vision and its work programme.",
    ),
    ("E4", "Commissioning for Value Packs", ""),
    ("E5", "Patient stories", ""),
]


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
    add_risks(plan.narrative, RISKS)
    add_documents(plan.narrative, DOCUMENTS)
    for start, amount in ((2014, 0), (2015, 24555000)):
        set_minimum(plan.area, start, MinimumAllocation.Kind.POOLED_BUDGET, amount)
    return [plan]
