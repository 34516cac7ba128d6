"""The Expenditure sheet, checked column by column: the round's lists are read once,
each column's distinct values are checked once by the scheme page's own fields
(`ExpenditureLineForm`, built once, never a form per line), and the joint-shares rule
is the page's (`schemes.forms.joint_share_problem`). Problems keep the page's
messages and name their cell; they are reported in row and column order."""

from django import forms

from schemes.forms import (
    ExpenditureLineForm,
    joint_lead_problem,
    joint_share_problem,
    scheme_id_problem,
)

from . import layout as L
from . import money
from .book import column_letter, number_text

SECTION = "Expenditure"
SCHEME_FIELDS = {
    "Scheme ID": ("code", 30),
    "Scheme name": ("name", 200),
    "Theme": ("theme", 200),
    "Lead provider": ("lead_provider", 200),
    "Joint lead provider": ("joint_lead_provider", 200),
}
COLUMN = {title: index for index, title in enumerate(L.EXPENDITURE_FIXED)}
LISTED_COLUMNS = {
    "Area of spend": "area_of_spend",
    "Commissioner": "commissioner",
    "Provider type": "provider_type",
    "Funding source": "source",
}
FIELD_COLUMNS = {"% NHS": "nhs_share", "% LA": "la_share", "Provider": "provider"}
NAME = {**LISTED_COLUMNS, **FIELD_COLUMNS, "Recurrence": "recurrence"}
MISSING = object()


def named(column, message):
    """A page's message for a cell, naming its column: "% NHS: enter a number."."""
    message = f"{message[:1].lower()}{message[1:]}"
    return f"{column}: {message}" + ("" if message.endswith((".", "?", "!")) else ".")


class LineColumns:
    def __init__(self, reader):
        self.reader, self.round = reader, reader.round
        self.lists = ExpenditureLineForm.list_choices(
            self.round,
            known={
                "year": reader.years,
                "source": [s for s in reader.sources if s.parent_id is None],
            },
        )
        self.fields = ExpenditureLineForm(round=self.round, choices=self.lists).fields
        self.names = {
            name: {str(item): item for item in instances.values()}
            for name, (_choices, instances) in self.lists.items()
            if name != "year"
        }
        self.scheme_types = {t.name: t for t in self.round.schemetype_set.all()}
        self.found = []  # (row, column, Problem args)
        # whether the sheet holds no formula and no error value: its text cells can
        # then be read as they are
        book = reader.book
        self.plain = (
            book.formulas.get(L.EXPENDITURE) == set() and book.errors.get(L.EXPENDITURE) == {}
        )

    def problem(self, number, column, section, message):
        self.found.append(
            (number, column, (L.EXPENDITURE, section, f"{column_letter(column)}{number}", message))
        )

    def text(self, number, column, row, section=SECTION):
        """The cell as text (None where it holds a formula or an error value)."""
        value = row[column]
        if self.plain and type(value) is str and not value.startswith("="):
            return value.strip()  # the usual cell, without the reader's checks
        reader = self.reader
        cell = reader.at(number, column, row)
        before = len(reader.problems)
        value = reader.value(L.EXPENDITURE, cell, section, L.EXPENDITURE_FIXED[column])
        self.take(number, column, before)
        return value

    def take(self, number, column, before):
        """Move what the reader reported since `before` into this sheet's ordered list."""
        for p in self.reader.problems[before:]:
            self.found.append((number, column, (p.sheet, p.section, p.cell, p.message)))
            self.reader.reported.discard((p.sheet, p.cell))  # reported again, in order
        del self.reader.problems[before:]

    def clean(self, name, raw):
        try:
            return self.fields[name].clean(raw), None
        except forms.ValidationError as error:
            return None, error.messages

    # -- schemes, row by row ---------------------------------------------------
    def schemes(self, rows, parsed):
        """Every row, with the scheme it names (None where the row's scheme cannot be
        used: its other columns are still checked, so one upload lists every problem);
        usable schemes are recorded in `parsed`."""
        first_seen, kept = {}, []
        for number, row in rows:
            scheme = {}
            for title, (key, limit) in SCHEME_FIELDS.items():
                scheme[key] = self.text(number, COLUMN[title], row, "Schemes") or ""
                if len(scheme[key]) > limit:
                    self.problem(
                        number,
                        COLUMN[title],
                        "Schemes",
                        f"{title}: longer than {limit} characters; shorten it.",
                    )
            code, usable = scheme["code"], True
            for title, key, what in (("Scheme ID", "code", "ID"), ("Scheme name", "name", "name")):
                if not scheme[key]:
                    self.problem(
                        number,
                        COLUMN[title],
                        "Schemes",
                        f"{title}: every row needs the scheme's {what}.",
                    )
                    usable = False
            type_name = self.text(number, COLUMN["Scheme type"], row, "Schemes")
            if type_name and type_name not in self.scheme_types:
                self.problem(
                    number,
                    COLUMN["Scheme type"],
                    "Schemes",
                    f"Scheme type: '{type_name[:60]}' is not a scheme type of this round; "
                    "choose one from the drop-down list.",
                )
            scheme["scheme_type"] = self.scheme_types.get(type_name)
            lead = joint_lead_problem(scheme["lead_provider"], scheme["joint_lead_provider"])
            if lead:
                self.problem(
                    number,
                    COLUMN["Joint lead provider"],
                    "Schemes",
                    named("Joint lead provider", lead),
                )
            if code and scheme_id_problem(code):
                self.problem(
                    number,
                    COLUMN["Scheme ID"],
                    "Schemes",
                    f"Scheme ID: {code[:40]!r}: {scheme_id_problem(code)}.",
                )
                usable = False
            if usable and code in first_seen:
                seen_row, seen = first_seen[code]
                if (seen["name"], seen["theme"]) != (scheme["name"], scheme["theme"]):
                    self.problem(
                        number,
                        COLUMN["Scheme ID"],
                        "Schemes",
                        f"Scheme ID: {code} is already used for a different scheme in row "
                        f"{seen_row}; each scheme needs its own ID.",
                    )
                    usable = False
                elif self.leads(scheme) and self.leads(scheme) != self.leads(seen):
                    self.problem(
                        number,
                        COLUMN["Lead provider"],
                        "Schemes",
                        f"Lead provider: row {seen_row} gives scheme {code} another lead "
                        "provider; give every row of a scheme the same lead providers.",
                    )
                    usable = False
            if usable:
                first_seen.setdefault(code, (number, scheme))
                parsed.schemes.setdefault(code, scheme)
            kept.append((number, row, code if usable else None))
        return kept

    @staticmethod
    def leads(scheme):
        return (scheme["lead_provider"], scheme["joint_lead_provider"])

    # -- lines, column by column -----------------------------------------------
    def column(self, rows, title):
        """[(value, [messages])] per row for one column, each distinct value checked once."""
        index, out, seen = COLUMN[title], [], {}
        for number, row, _code in rows:
            raw = self.text(number, index, row)
            if raw is None:  # a formula or an error value, already reported
                out.append((None, [], False))
                continue
            result = seen.get(raw, MISSING)
            if result is MISSING:
                result = seen[raw] = self.check(title, raw)
            out.append(result)
        return out

    def check(self, title, raw):
        """(value, [messages], whether the messages need the row to have an amount):
        a field's own rules matter only for a row that makes a line."""
        if title in LISTED_COLUMNS:
            name = LISTED_COLUMNS[title]
            if not raw:
                value, messages = self.clean(name, "")
                if messages:  # the field is required: say so in the sheet's words
                    messages = [f"{title}: choose one from the drop-down list."]
                return value, messages or [], True
            item = self.names[name].get(raw)
            if item is None:
                return (
                    None,
                    [
                        f"{title}: '{raw[:60]}' is not in this round's list; choose one "
                        "from the drop-down list."
                    ],
                    False,
                )
            return item, [], False
        if title == "Recurrence":
            if raw and raw not in L.RECURRENCE:
                return "recurrent", ["Recurrence: choose Recurrent or Non-recurrent."], False
            return L.RECURRENCE.get(raw or "Recurrent", "recurrent"), [], False
        value, messages = self.clean(FIELD_COLUMNS[title], raw)
        return value, [named(title, m) for m in messages or []][:1], True

    def read(self, rows, parsed):
        kept = self.schemes(rows, parsed)
        titles = [*LISTED_COLUMNS, *FIELD_COLUMNS, "Recurrence"]
        columns = {title: self.column(kept, title) for title in titles}
        amount_field = self.fields["amount"]
        first_year = len(L.EXPENDITURE_FIXED)
        in_thousands = self.round.amounts_in_thousands
        for position, (number, row, code) in enumerate(kept):
            amounts = []
            for offset, year in enumerate(self.reader.years):
                value = row[first_year + offset]
                # the usual cell (empty, or a number in range) without the reader's checks
                if self.plain and (value is None or value == ""):
                    continue
                amount = None
                if self.plain and type(value) in (int, float) and value == value:
                    amount = money.in_pounds(number_text(value), in_thousands)
                if amount is None:
                    cell = self.reader.at(number, first_year + offset, row)
                    before = len(self.reader.problems)
                    amount = self.reader.amount(
                        L.EXPENDITURE, cell, SECTION, L.year_header(year, in_thousands)
                    )
                    self.take(number, first_year + offset, before)
                if amount in (None, ""):
                    continue
                try:
                    amounts.append((year, amount_field.clean(amount)))
                except forms.ValidationError as error:
                    title = L.year_header(year, self.round.amounts_in_thousands)
                    message = money.message(error, self.round.amounts_in_thousands)
                    self.problem(number, first_year + offset, SECTION, f"{title}: {message}.")
                    amounts.append((year, None))
            values, fine = {}, True
            for title in titles:
                value, messages, with_amount = columns[title][position]
                values[NAME[title]] = value
                if messages and (amounts or not with_amount):
                    fine = fine and not with_amount
                    for message in messages:
                        self.problem(number, COLUMN[title], SECTION, message)
            if not amounts:
                continue
            share = joint_share_problem(
                values["commissioner"], values["nhs_share"], values["la_share"]
            )
            if share and fine:
                self.problem(number, COLUMN["% NHS"], SECTION, named("% NHS", share))
                fine = False
            for year, amount in amounts:
                if (
                    fine
                    and code is not None
                    and amount is not None
                    and values["source"] is not None
                ):
                    parsed.lines.append((code, values | {"year": year, "amount": amount}))
        self.found.sort(key=lambda found: (found[0], found[1]))
        for _number, _column, args in self.found:
            self.reader.problem(*args)
