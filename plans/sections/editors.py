"""One editor per kind of section: which forms it shows, how it saves, whether it has
content. Views never know the kinds; a new round reuses these through its TOML."""

from django.forms import BaseModelFormSet, modelformset_factory

from plans.grid import Column, Grid
from plans.models import (
    ConditionAnswer,
    ConditionQuestion,
    HighImpactChangeAssessment,
    Milestone,
    NarrativeAnswer,
    RelatedDocument,
    Risk,
    Section,
    SignOff,
)
from plans.ui import error_summary

from . import forms


class Editor:
    """Base: one form (or formset) for a section of one plan."""

    template = "plans/sections/edit.html"

    def __init__(self, plan, section, data=None, completing=False, readonly=False):
        self.plan, self.section, self.data = plan, section, data
        self.round = plan.round
        self.completing = completing
        self.readonly = readonly
        self.form = self.build()
        for form in self.all_forms():
            form.completing = completing
            if readonly:
                for field in form.fields.values():
                    field.disabled = True

    def build(self):
        raise NotImplementedError

    def all_forms(self):
        return getattr(self.form, "forms", [self.form])

    def is_valid(self):
        return self.form.is_valid()

    def save(self):
        self.form.save()

    def errors(self):
        """[(field id, message)] for the GOV.UK error summary, in page order."""
        found = [error for form in self.all_forms() for error in error_summary(form)]
        found += [("", message) for message in getattr(self.form, "non_form_errors", list)()]
        return found

    def rows(self):
        """[(form, heading)] for list sections."""
        return [(form, self.row_title(form, n)) for n, form in enumerate(self.all_forms(), 1)]

    def row_title(self, form, number):
        if form.instance.pk:
            return f"{self.row_label} {getattr(form.instance, 'reference', '') or number}"
        return f"New {self.row_label.lower()}"

    row_label = ""

    def summary(self):
        """[(label, value)] of what is saved, for showing beside a conflicting edit."""
        rows = []
        for form in self.all_forms():
            for name, field in form.fields.items():
                if name in ("id", "DELETE") or field.widget.is_hidden:
                    continue
                value = form.initial.get(name, field.initial)
                choices = dict(getattr(field, "choices", []) or [])
                value = choices.get(value, value)
                rows.append((field.label, "—" if value in (None, "") else str(value)))
        return rows


class PlanDetailsEditor(Editor):
    template = "plans/sections/plan_details.html"

    def build(self):
        return forms.PlanDetailsForm(self.data, instance=self.plan)


class NarrativeEditor(Editor):
    def build(self):
        answer = NarrativeAnswer.objects.filter(
            narrative=self.plan.narrative, section=self.section
        ).first() or NarrativeAnswer(narrative=self.plan.narrative, section=self.section)
        return forms.NarrativeAnswerForm(self.data, instance=answer, section=self.section)

    def text(self):
        return self.form.instance.text


class RowsEditor(Editor):
    """A list section: add, edit and remove rows, always offering one blank row."""

    model = None
    form_class = None
    row_label = "Row"
    minimum_rows = 0
    # Set to edit the rows as a grid (plans.grid), a row per risk or milestone.
    grid_columns: tuple[Column, ...] = ()

    def grid(self):
        if not self.grid_columns:
            return None
        return Grid(
            self.form,
            self.grid_columns,
            caption=self.section.title,
            row_label=self.row_label,
            row_title=self.row_title,
            can_edit=not self.readonly,
        )

    def errors(self):
        """The summary names the row of each error ("Risk R3: ..."), as the grid does."""
        if not self.grid_columns:
            return super().errors()
        found = []
        for number, form in enumerate(self.all_forms(), 1):
            title = self.row_title(form, number)
            found += error_summary(form, prefix=f"{title}: ", fallback=form.prefix)
        found += [("", message) for message in self.form.non_form_errors()]
        return found

    def form_kwargs(self):
        return {}

    def queryset(self):
        return self.model.objects.filter(narrative=self.plan.narrative)

    def build(self):
        formset_class = modelformset_factory(
            self.model,
            form=self.form_class,
            extra=1,
            can_delete=True,
            max_num=200,
            absolute_max=200,
            validate_max=True,
        )
        return formset_class(
            self.data,
            queryset=self.queryset(),
            prefix=self.section.kind,
            form_kwargs=self.form_kwargs(),
        )

    def is_valid(self):
        valid = self.form.is_valid()
        if valid and self.completing:
            kept = [
                form
                for form in self.form.forms
                if form.has_changed() or form.instance.pk
                if not self.form._should_delete_form(form)
            ]
            if len(kept) < self.minimum_rows:
                self.form._non_form_errors.append(
                    f"Add at least {self.minimum_rows} {self.row_label.lower()} "
                    "before marking the section complete"
                )
                return False
        return valid

    def save(self):
        rows = self.form.save(commit=False)
        for row in self.form.deleted_objects:
            row.delete()
        for row in rows:
            row.narrative = self.plan.narrative
            row.save()
        for order, form in enumerate(self.form.forms):
            instance = form.instance
            if instance.pk and not self.form._should_delete_form(form) and instance.order != order:
                self.model.objects.filter(pk=instance.pk).update(order=order)


class RelatedDocumentsEditor(RowsEditor):
    model = RelatedDocument
    form_class = forms.RelatedDocumentForm
    row_label = "Document"


class RisksEditor(RowsEditor):
    model = Risk
    form_class = forms.RiskForm
    row_label = "Risk"
    minimum_rows = 1
    grid_columns = (
        Column("reference", label="Ref", width="govuk-input--width-3"),
        Column("description"),
        Column("likelihood"),
        Column("impact"),
        Column("score", label="Score", computed="score", product=("likelihood", "impact")),
        Column("mitigation"),
        Column("rating"),
    )

    def form_kwargs(self):
        return {"round": self.round}


class MilestonesEditor(RowsEditor):
    model = Milestone
    form_class = forms.MilestoneForm
    row_label = "Milestone"
    minimum_rows = 1
    grid_columns = (
        Column("reference", label="Ref", width="govuk-input--width-3"),
        Column("action"),
        Column("description"),
        Column("due_date"),
        Column("due_note", width="govuk-input--width-10"),
    )


class FixedRowsFormSet(BaseModelFormSet):
    """Stored rows first, then one unsaved row for each item the round defines that
    has none yet; a new row is written only when its form is filled in and saved."""

    new_instances: list = []

    def _construct_form(self, i, **kwargs):
        offered = i - self.initial_form_count()
        # A posted row count that does not match (tampered or stale) gets no offered
        # row; the management form's own validation then refuses the post.
        if 0 <= offered < len(self.new_instances):
            kwargs["instance"] = self.new_instances[offered]
        return super()._construct_form(i, **kwargs)


class FixedRowsEditor(Editor):
    """One row per item the round defines (sign-off roles, HICM changes), never added
    or removed by the user. Opening the page writes nothing: rows that do not exist
    yet are offered unsaved and created when first saved."""

    form_class = None

    def missing_rows(self):
        """Unsaved instances for the round's items that have no row yet."""
        raise NotImplementedError

    def queryset(self):
        raise NotImplementedError

    def form_kwargs(self):
        return {}

    def build(self):
        missing = self.missing_rows()
        formset_class = modelformset_factory(
            self.form_class.Meta.model,
            form=self.form_class,
            formset=FixedRowsFormSet,
            extra=len(missing),
            max_num=0,
        )
        formset_class.new_instances = missing
        queryset = self.queryset()
        formset_class.max_num = len(queryset) + len(missing)
        formset_class.absolute_max = formset_class.max_num
        return formset_class(
            self.data,
            queryset=queryset,
            prefix=self.section.kind,
            form_kwargs=self.form_kwargs(),
        )


NO_CCG_RECORDED = "CCG (none recorded for this area)"


class SignOffEditor(FixedRowsEditor):
    form_class = forms.SignOffForm

    def row_title(self, form, number):
        return f"{form.instance.role.title}: {form.instance.organisation}"

    def missing_rows(self):
        existing = set(self.plan.sign_offs.values_list("role_id", "organisation"))
        signed_roles = {role for role, _organisation in existing}
        ccgs = list(self.plan.area.ccgs.values_list("name", flat=True))
        missing = []
        for role in self.round.sign_off_roles.all():
            if role.one_per_ccg:
                # Never a CCG row labelled with the council's name: the area's CCGs, or
                # where none is recorded, one row for "the CCG" unless one exists.
                organisations = ccgs or ([] if role.pk in signed_roles else [NO_CCG_RECORDED])
            else:
                # One row for the role, whatever organisation name it was signed under.
                organisations = [] if role.pk in signed_roles else [self.plan.area.name]
            missing += [
                SignOff(plan=self.plan, role=role, organisation=organisation)
                for organisation in organisations
                if (role.pk, organisation) not in existing
            ]
        return missing

    def queryset(self):
        return self.plan.sign_offs.select_related("role")


class HicmEditor(FixedRowsEditor):
    form_class = forms.HicmForm

    def row_title(self, form, number):
        return f"Change {number}: {form.instance.change.name}"

    def missing_rows(self):
        narrative = self.plan.narrative
        existing = set(narrative.hicm_assessments.values_list("change_id", flat=True))
        return [
            HighImpactChangeAssessment(narrative=narrative, change=change)
            for change in self.round.highimpactchange_set.all()
            if change.pk not in existing
        ]

    def queryset(self):
        return self.plan.narrative.hicm_assessments.select_related("change")

    def form_kwargs(self):
        return {"round": self.round}


class ConditionsEditor(Editor):
    def build(self):
        self.questions = list(
            ConditionQuestion.objects.filter(condition__round=self.round)
            .select_related("condition")
            .order_by("condition__order", "order")
        )
        answers = {
            answer.question_id: answer for answer in self.plan.narrative.condition_answers.all()
        }
        return forms.ConditionsForm(self.data, questions=self.questions, answers=answers)

    def save(self):
        narrative = self.plan.narrative
        for question, values in self.form.answers().items():
            ConditionAnswer.objects.update_or_create(
                narrative=narrative, question=question, defaults=values
            )


EDITORS = {
    Section.Kind.PLAN_DETAILS: PlanDetailsEditor,
    Section.Kind.SIGN_OFF: SignOffEditor,
    Section.Kind.NARRATIVE: NarrativeEditor,
    Section.Kind.RELATED_DOCUMENTS: RelatedDocumentsEditor,
    Section.Kind.NATIONAL_CONDITIONS: ConditionsEditor,
    Section.Kind.RISKS: RisksEditor,
    Section.Kind.MILESTONES: MilestonesEditor,
    Section.Kind.HICM: HicmEditor,
}
