"""The plan's national conditions and HICM self-assessment in the template, for
reference beside the numbers: written, locked, and not read back (they are edited
in BCF Plans, where their rules and history live)."""

from openpyxl.styles import Alignment

from plans.models import ConditionQuestion

from .cells import header_row, protect, text

NOTE = "For reference: change these answers in BCF Plans. This sheet is not imported."


def _sheet(workbook, title, heading, headers, rows):

    sheet = workbook.create_sheet(title)
    sheet["A1"] = heading
    sheet["A2"] = NOTE
    header_row(sheet, 3, headers, f"bcf_{title.lower()}_header", workbook)
    for number, row in enumerate(rows, 4):
        for column, value in enumerate(row, 1):
            cell = text(sheet.cell(row=number, column=column), value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (12, 60, 40, 30), strict=False):
        sheet.column_dimensions[letter].width = width
    protect(sheet)


def _answer(question, answer):
    if answer is None:
        return ""
    if question.answer_type == "confirmation":
        if answer.confirmed:
            return "Yes"
        if answer.confirmed is False:
            return f"Not yet, by {answer.in_place_by:%d %B %Y}" if answer.in_place_by else "Not yet"
        return ""
    if question.answer_type == "percentage":
        return "" if answer.percentage is None else f"{answer.percentage}%"
    if question.answer_type == "date":
        return "" if answer.date is None else f"{answer.date:%d %B %Y}"
    return answer.text


def add_reference_sheets(workbook, round_, plan):
    questions = list(
        ConditionQuestion.objects.filter(condition__round=round_)
        .select_related("condition")
        .order_by("condition__order", "order")
    )
    if questions:
        answers = (
            {a.question_id: a for a in plan.narrative.condition_answers.all()}
            if plan is not None
            else {}
        )
        _sheet(
            workbook,
            "Conditions",
            "National conditions",
            ["Condition", "Question", "Answer"],
            [(q.condition.code, q.text, _answer(q, answers.get(q.pk))) for q in questions],
        )
    changes = list(round_.highimpactchange_set.all())
    if changes:
        assessed = (
            {a.change_id: a for a in plan.narrative.hicm_assessments.select_related("maturity")}
            if plan is not None
            else {}
        )
        rows = []
        for change in changes:
            row = assessed.get(change.pk)
            rows.append(
                (
                    change.name,
                    str(row.maturity or "") if row else "",
                    row.actions if row else "",
                    row.due if row else "",
                )
            )
        _sheet(
            workbook,
            "HICM",
            "High Impact Change Model self-assessment",
            ["Change", "Maturity", "What will be done", "By when"],
            rows,
        )
