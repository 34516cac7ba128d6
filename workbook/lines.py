"""The Expenditure sheet, checked column by column: the round's lists are read once,
each column's distinct values are checked once by the scheme page's own fields
(`ExpenditureLineForm`, built once, never a form per line), and the joint-shares rule
is the page's (`schemes.forms.joint_share_problem`). Problems keep the page's
messages and name their cell; they are reported in row and column order."""

from django import forms

from schemes.forms import ExpenditureLineForm, joint_share_problem, scheme_id_problem

from . import layout as L
from .book import column_letter

SECTION = "Expenditure"
SCHEME_FIELDS = {"Scheme ID": ("code", 30), "Scheme name": ("name", 200), "Theme": ("theme", 200)}
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


class LineColumns:
    def __init__(self, reader):
        self.reader, self.round = reader, reader.round
        self.lists = ExpenditureLineForm.list_choices(self.round)
        self.fields = ExpenditureLineForm(round=self.round, choices=self.lists).fields
        self.names = {
            name: {str(item): item for item in instances.values()}
            for name, (_choices, instances) in self.lists.items()
            if name != "year"
        }
        self.scheme_types = {t.name: t for t in self.round.schemetype_set.all()}
        self.found = []  # (row, column, Problem args)

    def problem(self, number, column, section, message):
        self.found.append(
            (number, column, (L.EXPENDITURE, section, f"{column_letter(column)}{number}", message))
        )

    def text(self, number, column, row, section=SECTION):
        """The cell as text (None where it holds a formula or an error value)."""
        reader = self.reader
        cell = reader.at(number, column, row)
        before = len(reader.problems)
        value = reader.value(L.EXPENDITURE, cell, section)
        self.take(number, column, before)
        return value

    def take(self, number, column, before):
        """Move what the reader reported since `before` into this sheet's ordered list."""
        for p in self.reader.problems[before:]:
            self.found.append((number, column, (p.sheet, p.section, p.cell, p.message)))
        del self.reader.problems[before:]

    def clean(self, name, raw):
        try:
            return self.fields[name].clean(raw), None
        except forms.ValidationError as error:
            return None, error.messages

    # -- schemes, row by row ---------------------------------------------------
    def schemes(self, rows, parsed):
        """Rows that name a usable scheme, with the scheme recorded in `parsed`."""
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
                        f"{title} is longer than {limit} characters.",
                    )
            code_column = COLUMN["Scheme ID"]
            if not scheme["code"] or not scheme["name"]:
                self.problem(
                    number, code_column, "Schemes", "Every row needs a scheme ID and a scheme name."
                )
                continue
            type_name = self.text(number, COLUMN["Scheme type"], row, "Schemes")
            if type_name and type_name not in self.scheme_types:
                self.problem(
                    number,
                    COLUMN["Scheme type"],
                    "Schemes",
                    f"'{type_name}' is not a scheme type of this round.",
                )
            scheme["scheme_type"] = self.scheme_types.get(type_name)
            code = scheme["code"]
            if scheme_id_problem(code):
                self.problem(
                    number,
                    code_column,
                    "Schemes",
                    f"Scheme ID {code!r}: {scheme_id_problem(code)}.",
                )
                continue
            if code in first_seen and first_seen[code][1] != (scheme["name"], scheme["theme"]):
                self.problem(
                    number,
                    code_column,
                    "Schemes",
                    f"Scheme ID {code} is already used for a different scheme in row "
                    f"{first_seen[code][0]}: each scheme needs its own ID.",
                )
                continue
            first_seen.setdefault(code, (number, (scheme["name"], scheme["theme"])))
            parsed.schemes.setdefault(code, scheme)
            kept.append((number, row, code))
        return kept

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
                return value, messages or [], True
            item = self.names[name].get(raw)
            if item is None:
                return None, [f"'{raw}' is not in this round's list for {title.lower()}."], False
            return item, [], False
        if title == "Recurrence":
            if raw and raw not in L.RECURRENCE:
                return "recurrent", ["Choose Recurrent or Non-recurrent."], False
            return L.RECURRENCE.get(raw or "Recurrent", "recurrent"), [], False
        value, messages = self.clean(FIELD_COLUMNS[title], raw)
        return value, messages or [], True

    def read(self, rows, parsed):
        kept = self.schemes(rows, parsed)
        titles = [*LISTED_COLUMNS, *FIELD_COLUMNS, "Recurrence"]
        columns = {title: self.column(kept, title) for title in titles}
        amount_field = self.fields["amount"]
        first_year = len(L.EXPENDITURE_FIXED)
        for position, (number, row, code) in enumerate(kept):
            amounts = []
            for offset, year in enumerate(self.reader.years):
                cell = self.reader.at(number, first_year + offset, row)
                before = len(self.reader.problems)
                amount = self.reader.amount(L.EXPENDITURE, cell, SECTION)
                self.take(number, first_year + offset, before)
                if amount in (None, ""):
                    continue
                try:
                    amounts.append((year, amount_field.clean(amount)))
                except forms.ValidationError as error:
                    for message in error.messages:
                        self.problem(number, first_year + offset, SECTION, message)
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
                self.problem(number, COLUMN["% NHS"], SECTION, share)
                fine = False
            for year, amount in amounts:
                if fine and amount is not None and values["source"] is not None:
                    parsed.lines.append((code, values | {"year": year, "amount": amount}))
        self.found.sort(key=lambda found: (found[0], found[1]))
        for _number, _column, args in self.found:
            self.reader.problem(*args)
