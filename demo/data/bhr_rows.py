"""The BHR joint narrative's tables, as rows: the 10.2 risk log with mitigations, the
7.4.4 HICM self-assessment with actions and measures of success, every row of the 6.3
milestones table, Appendix 4's related documents and section 13's signatories. Figures,
dates, names and document titles are the seed's; every sentence is our own summary."""

import datetime

from simple_history.utils import bulk_create_with_history

from plans.models import (
    HighImpactChange,
    HighImpactChangeAssessment,
    MaturityLevel,
    Milestone,
    RelatedDocument,
    Risk,
)

from .common import year

# 10.2: reference, risk, mitigation, likelihood, impact (without mitigation), RAG with it
RISKS = [
    (
        "BHR 1",
        "Growing demand from an ageing population and more people with long-term conditions.",
        "Invest in prevention and demand management, use the social care grant to protect "
        "services, and help people look after their own health.",
        4,
        4,
        "amber",
    ),
    (
        "BHR 2",
        "Leadership and new governance may not deliver the scale of change, or its "
        "benefits may go unmeasured.",
        "Change in steps the system can absorb, tied to existing strategies; the Integrated "
        "Care Partnership keeps the tensions in view.",
        2,
        4,
        "green",
    ),
    (
        "BHR 3",
        "Change programmes inside each organisation may pull against the partnership plan.",
        "The Integrated Care Partnership watches for and resolves conflicts between programmes.",
        2,
        4,
        "green",
    ),
    (
        "BHR 4",
        "Costs and benefits of changes such as discharge to assess may fall unevenly "
        "between partners.",
        "Open review of impact and outcomes, affordability deciding each next step, a risk "
        "share kept open as an option, and continued monitoring.",
        4,
        3,
        "amber",
    ),
    (
        "BHR 5",
        "Short-term grant money eases provider pressures without fixing the underlying gap.",
        "Planned transformation, work with providers through the market development "
        "workstream, and careful whole-system use of resources.",
        4,
        3,
        "amber",
    ),
    (
        "BHR 6",
        "Money tied up in existing contracts cannot easily move to what works best.",
        "Contracts with enough flexibility to adjust, reviewed through governance "
        "alongside the iBCF work, and firm contract management.",
        4,
        2,
        "amber",
    ),
    (
        "BHR 7",
        "Onward providers may be unable to respond to new system requirements.",
        "The market development scheme shared across the three boroughs.",
        4,
        2,
        "green",
    ),
    (
        "BHR 8",
        "Working across three boroughs with different priorities slows progress.",
        "Extend the plan's reach step by step over the two years, with clear information "
        "and decision points.",
        4,
        3,
        "amber",
    ),
    (
        "BHR 9",
        "Local or national elections change policy direction.",
        "Keep a watch on policy and guidance.",
        4,
        1,
        "green",
    ),
    (
        "BHR 10",
        "National changes to the fund before year two may undo local intentions.",
        "Monitored through the fund's governance; the risk remains.",
        3,
        3,
        "red",
    ),
    (
        "BHR 11",
        "A review of delayed transfers performance could withdraw funding already committed.",
        "Home First, the discharge teams and recommissioned intermediate care, with close "
        "monitoring of outcomes.",
        4,
        3,
        "red",
    ),
    (
        "BHR 12",
        "The councils' structural budget deficits and transformation needs.",
        "The social care grant helps in the short term; the longer term is still a concern.",
        4,
        4,
        "red",
    ),
    (
        "BHR 13",
        "Limited commissioning capacity and staff.",
        "More joint or lead commissioning across the boroughs to share the load.",
        3,
        2,
        "amber",
    ),
    (
        "BHR 14",
        "Demand for social care keeps rising.",
        "A new community solutions team intervenes earlier and points people to community "
        "and universal services.",
        3,
        3,
        "amber",
    ),
    (
        "BHR 15",
        "Rising provider costs make personal assistant rates unsustainable.",
        "The social care grant steadies the market and rates for now; lasting funding is "
        "unresolved.",
        3,
        2,
        "amber",
    ),
    (
        "BHR 16",
        "Block contracts for community health hide service-line budgets and limit joint "
        "commissioning.",
        "The CCGs and the community provider have escalated it through the contract.",
        4,
        3,
        "green",
    ),
]
# 7.4.4, in the round's order of changes: maturity, note, actions, by when, success
HICM = [
    (
        "Plans in place",
        "",
        "Roll out Red to Green, set expected discharge dates early and explain the plan "
        "to patients on admission.",
        "TBC",
        "Shorter stays, better flow, patients who know their plan, more green days.",
    ),
    (
        "Plans in place",
        "",
        "One consistent trust system showing each patient's status accurately as it happens.",
        "TBC",
        "Barriers to discharge are easy to spot.",
    ),
    (
        "Established",
        "Established, moving to mature",
        "More continuing healthcare assessments outside hospital; Home First in full.",
        "October 2017",
        "Better flow and experience, more people going home, fewer placements.",
    ),
    (
        "Plans in place",
        "",
        "Faster internal discharge steps, such as medicines to take home and transport.",
        "October 2017",
        "Better flow and experience, more people going home, fewer placements.",
    ),
    (
        "Mature",
        "Mature for social care; plans in place for hospitals",
        "The whole system working seven days, with clinical discharge decisions at weekends.",
        "TBC for hospitals",
        "Discharges run evenly through the week.",
    ),
    (
        "Plans in place",
        "",
        "Commission home care mostly on the strength of therapy reports.",
        "October 2017",
        "Less duplication, better flow and experience, fewer delayed transfers.",
    ),
    (
        "Plans in place",
        "",
        "A choice protocol and process that staff understand and follow.",
        "October 2017",
        "Choice offered at the right time, fewer choice delays, patients know what to "
        "expect from admission.",
    ),
    (
        "Plans in place",
        "",
        "Care home staff and primary care look after residents in the community.",
        "TBC",
        "Fewer admissions from care homes.",
    ),
]
D = datetime.date
# 6.3, every row: reference, action, description, year, due date, due note
MILESTONES = [
    ("1a", "Plan approval", "Plan and spending approved locally and by each HWB.", 2017,
     D(2017, 9, 8), ""),
    ("1a", "2018-19 plan revisions", "Revisions for year two, if guidance asks for them.",
     2018, None, "Expected late 2017 / early 2018"),
    ("1b", "Submission", "Agreed narrative and spending plans sent to NHS England.", 2017,
     D(2017, 9, 11), ""),
    ("1b", "2018-19 revised submission", "Year-two revisions sent.", 2018, None, "TBC"),
    ("1c (i)", "Assurance outcome", "Assurance of the plan and its approval.", 2017, None,
     "w/c 9 Oct 17"),
    ("1c (i)", "2018-19 revision assurance", "Assurance of the year-two revisions.", 2018,
     None, "TBC"),
    ("1c (ii)", "Resubmission, if needed", "A plan approved with conditions sends its "
     "updated version by this date.", 2017, D(2017, 10, 31), ""),
    ("1c (ii)", "2018-19 revision resubmission", "Resubmission of year-two revisions, if "
     "needed.", 2018, None, "TBC"),
    ("2a", "Section 75 agreements", "Each borough's section 75 agreement in place: "
     "Redbridge extended to March 2019, a new one for Barking and Dagenham in 2018/19, a "
     "deed of variation for Havering.", 2017, D(2017, 11, 30), ""),
    ("2b", "Joint BHR section 75: proposal", "A joint section 75 across the three "
     "boroughs is proposed.", 2017, None, "Oct-Dec 18"),
    ("2b", "Joint BHR section 75: decision", "Partners agree to go ahead with it.", 2017,
     None, "Jan 18"),
    ("2b", "Joint BHR section 75 begins", "The joint agreement starts.", 2018,
     D(2018, 4, 1), "April 18"),
    ("2c", "Local governance", "Each borough's executive group oversees delivery.", 2017,
     D(2018, 3, 31), "Until March 2018"),
    ("2c", "Governance moves to the JCB", "Oversight passes to the Joint Commissioning "
     "Board as part of the accountable care plans.", 2018, D(2018, 4, 1), "April 18"),
    ("2d", "Scheme implementation", "Schemes delivered through local executive "
     "arrangements and the HWBs.", 2017, None, "Until 2018"),
    ("2d", "Scheme revision for 2018-19", "Schemes may be revised for year two.", 2018,
     None, "TBC"),
    ("2d", "Schemes overseen by the JCB", "Delivery continues under the Joint "
     "Commissioning Board and the HWBs.", 2018, D(2018, 4, 1), "April 18"),
    ("2e", "Theme and scheme review", "Each theme's schemes reviewed at the end of each "
     "year against the fund's aims; HICM dates are in 7.4.", 2017, None,
     "End of each financial year"),
    ("3a", "iBCF quarterly reporting: Q1", "Quarterly template sent (done).", 2017,
     D(2017, 7, 21), ""),
    ("3a", "iBCF quarterly reporting: Q2", "Quarterly template sent.", 2017,
     D(2017, 10, 20), ""),
    ("3a", "iBCF quarterly reporting: Q3", "Quarterly template sent.", 2017,
     D(2018, 1, 20), ""),
    ("3a", "iBCF quarterly reporting: Q4", "Quarterly template sent.", 2017,
     D(2018, 4, 21), ""),
    ("3a", "iBCF quarterly reporting 2018-19", "Quarterly templates for year two.", 2018,
     None, "TBC"),
    ("3b", "iBCF review for delayed transfers", "Government may review 2018-19 Spring "
     "Budget iBCF allocations where delayed transfers perform poorly; the money stays "
     "with adult social care.", 2017, None, "Nov 2017"),
]  # fmt: skip
# Appendix 4: title (as printed), our synopsis, link where the seed gives one
DOCUMENTS = [
    ("BHR Accountable Care Strategic Outline Case January 2017",
     "The system's challenges and financial gap, and the case for joint commissioning "
     "with integrated providers.", ""),
    ("Barking & Dagenham Health & Wellbeing Strategy", "The borough's health and "
     "wellbeing priorities.",
     "https://www.lbbd.gov.uk/wp-content/uploads/2014/11/JHWS_A4_30-9-15_RF.pdf"),
    ("Havering Health and Wellbeing Strategy 2015-18", "The borough's refreshed strategy.",
     "http://democracy.havering.gov.uk/documents/s20440/Item%206-2%20Havering%20Health%20"
     "and%20Wellbeing%20Strategy%2015-18%20refresh%20v1%203.pdf"),
    ("Redbridge Health & Wellbeing Strategy", "The strategy taken to the board in "
     "September 2017.",
     "http://modern.gov.redbridge.gov.uk/documents/s110828/ITEM%207%20FINAL%20VERSION%20"
     "TO%20HWB%20%20Sep%202017.pdf"),
    ("BCF Performance Monitoring Pack", "A sample of the monthly reporting to the "
     "delivery group and the joint forum.", ""),
    ("Annual Public Health Report", "Redbridge's report for 2015/16.",
     "https://www.redbridge.gov.uk/media/1875/annual-public-health-report-15-16.pdf"),
    ("Joint Strategic Needs Assessments (JSNA)", "The councils' and CCGs' shared "
     "assessment of local needs, revised in December 2015.",
     "https://www.redbridge.gov.uk/health-and-wellbeing/public-health-strategies-and-polices/"),
    ("Market Position Statements", "What the care market offers, what must change and "
     "where the gaps are.", ""),
    ("Accountable Care Engagement Programme Report", "What about 8,000 local people said, "
     "feeding the strategic outline case.", ""),
]  # fmt: skip
# Section 13: (role, person and position) per borough; the CCG officer signs for each CCG.
# Redbridge's section 151 officer is not named in the seed, so the demo placeholder stays.
SIGNATORIES = {
    "barking-and-dagenham": {
        "hwb-chair": ("Cllr Maureen Worby", "Cabinet Member for Social Care & Health Integration"),
        "dass": ("Mark Tyson", "Commissioning Director, Adults' Care & Support"),
        "ccg": ("Gina Shakespeare", "Acting Chief Officer"),
        "s151": ("Claire Symonds", "Chief Operating Officer"),
    },
    "havering": {
        "hwb-chair": ("Cllr Wendy Brice-Thompson", "Cabinet Member for Adult Social Services & Health"),
        "dass": ("Barbara Nicholls", "Director Adult Social Care & Health"),
        "ccg": ("Gina Shakespeare", "Acting Chief Officer"),
        "s151": ("Debbie Middleton", "Section 151 Officer (Interim)"),
    },
    "redbridge": {
        "hwb-chair": ("Cllr Mark Santos", "Cabinet Member for Health & Social Care"),
        "dass": ("Adrian Loades", "Corporate Director of People"),
        "ccg": ("Gina Shakespeare", "Acting Chief Officer"),
    },
}  # fmt: skip


def signatory(area_slug, role_slug, area_name):
    """(name, position) for a sign-off: the seed's person, or a marked demo placeholder."""
    return SIGNATORIES.get(area_slug, {}).get(
        role_slug, (f"{area_name} {role_slug} (demo)", "Demo signatory")
    )


def load_rows(narrative):
    """The narrative's risks, HICM rows, milestones and documents, a few queries each."""
    round_ = narrative.round
    bulk_create_with_history(
        [
            Risk(
                narrative=narrative,
                reference=ref,
                description=text,
                mitigation=mitigation,
                likelihood=likelihood,
                impact=impact,
                rating=rag,
                order=order,
            )
            for order, (ref, text, mitigation, likelihood, impact, rag) in enumerate(RISKS)
        ],
        Risk,
    )
    levels = {m.name: m for m in MaturityLevel.objects.filter(round=round_)}
    changes = HighImpactChange.objects.filter(round=round_).order_by("order")
    bulk_create_with_history(
        [
            HighImpactChangeAssessment(
                narrative=narrative,
                change=change,
                maturity=levels[maturity],
                maturity_note=note,
                actions=actions,
                due=due,
                success_measures=success,
            )
            for change, (maturity, note, actions, due, success) in zip(changes, HICM, strict=True)
        ],
        HighImpactChangeAssessment,
    )
    years = {start: year(start) for start in (2017, 2018)}
    bulk_create_with_history(
        [
            Milestone(
                narrative=narrative,
                reference=ref,
                action=action,
                description=description,
                year=years[fy],
                due_date=due,
                due_note=note,
                order=order,
            )
            for order, (ref, action, description, fy, due, note) in enumerate(MILESTONES)
        ],
        Milestone,
    )
    bulk_create_with_history(
        [
            RelatedDocument(narrative=narrative, title=title, synopsis=synopsis, link=link, order=n)
            for n, (title, synopsis, link) in enumerate(DOCUMENTS)
        ],
        RelatedDocument,
    )
