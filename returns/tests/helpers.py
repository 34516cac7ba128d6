"""Shared set-up for the returns tests: an approved plan (the suite's demo plans are in
draft) and the POST data a part's page would send."""

from plans.models import Plan
from plans.tests.helpers import form_data, login, plan

HAVERING = "/plans/2017-19/havering/returns/"
Q1 = HAVERING + "2017-18-q1/"

__all__ = ["HAVERING", "Q1", "approved", "form_data", "login", "post_part"]


def approved(round_slug, area_slug):
    found = plan(round_slug, area_slug)
    Plan.objects.filter(pk=found.pk).update(status=Plan.Status.APPROVED)
    found.refresh_from_db()
    return found


def post_part(client, url, changes, completed="yes"):
    """Open the part's page, change some fields, and save it as a browser would."""
    data = form_data(client.get(url))
    data.update(changes)
    data["completed"] = completed
    return client.post(url, data)


def sheet_of(the_plan, slug):
    from returns import selectors

    settings = selectors.settings_of(the_plan)
    return selectors.return_sheet(the_plan, selectors.find_period(the_plan, slug), settings)


# Havering's delayed days by month as its plan states the Q1 2017/18 out-turn (the seed's
# seasonally adjusted profile takes Q1 as it happened); Q2 is illustrative.
HAVERING_DAYS = {
    "Apr-17": "295.0",
    "May-17": "288.0",
    "Jun-17": "307.0",
    "Jul-17": "410.0",
    "Aug-17": "425.0",
    "Sep-17": "380.0",
}


def answers(sheet, part):
    """POST data that completes one part of the return with plausible figures."""
    data = {}
    if part == "budget":
        data = {"section_75_in_place": "yes", "section_75_signed_on": "31/03/2017"}
    elif part == "conditions":
        for row in sheet.conditions:
            data[f"met-{row.condition.code}"] = "yes"
    elif part == "finance":
        for row in [*sheet.income, *sheet.spend]:
            data[f"to-{row.key}"] = str(
                (row.planned / 4).quantize(
                    row.planned.as_tuple() and __import__("decimal").Decimal("0.01")
                )
            )
            data[f"fc-{row.key}"] = str(row.planned)
    elif part == "metrics":
        for block in sheet.metrics:
            for row in block.reported:
                if block.metric.code == "dtoc":
                    data[f"num-{row.period.pk}"] = HAVERING_DAYS[row.period.label]
                    data[f"den-{row.period.pk}"] = str(int(row.planned_denominator))
                elif block.metric.unit == "count":
                    data[f"val-{row.period.pk}"] = str(row.planned or 0)
                else:
                    data[f"num-{row.period.pk}"] = "10"
                    data[f"den-{row.period.pk}"] = "1000"
    elif part == "delivery":
        for row in sheet.milestones:
            data[f"ms-{row.item.pk}-status"] = "on_track"
        for row in sheet.schemes:
            data[f"sc-{row.item.pk}-rag"] = "green"
    elif part == "narrative":
        data = {
            "progress": "Home first now runs seven days a week.",
            "challenges": "Winter demand.",
        }
    elif part == "sign-off":
        data = {
            "signed_by": "Chair of the board",
            "signed_position": "Chair",
            "signed_on": "14/07/2017",
        }
    return data


def fill_return(client, url, sheet):
    for status in sheet.parts:
        response = post_part(client, f"{url}{status.part}/", answers(sheet, status.part))
        assert response.status_code == 302, (status.part, response.content.decode()[:3000])
