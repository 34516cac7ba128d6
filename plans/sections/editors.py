"""One editor per kind of section: which forms it shows, how it saves, whether it has
content. Views never know the kinds; a new round reuses these through its TOML."""

from django.forms import modelformset_factory

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

    def form_kwargs(self):
        return {"round": self.round}


class MilestonesEditor(RowsEditor):
    model = Milestone
    form_class = forms.MilestoneForm
    row_label = "Milestone"
    minimum_rows = 1


class FixedRowsEditor(Editor):
    """One row per item the round defines (sign-off roles, HICM changes); the rows
    are created the first time the section is opened, never added or removed."""

    form_class = None

    def ensure_rows(self):
        raise NotImplementedError

    def queryset(self):
        raise NotImplementedError

    def form_kwargs(self):
        return {}

    def build(self):
        self.ensure_rows()
        formset_class = modelformset_factory(
            self.form_class.Meta.model, form=self.form_class, extra=0, max_num=0
        )
        return formset_class(
            self.data,
            queryset=self.queryset(),
            prefix=self.section.kind,
            form_kwargs=self.form_kwargs(),
        )


class SignOffEditor(FixedRowsEditor):
    form_class = forms.SignOffForm

    def row_title(self, form, number):
        return f"{form.instance.role.title}: {form.instance.organisation}"

    def ensure_rows(self):
        existing = set(self.plan.sign_offs.values_list("role_id", "organisation"))
        ccgs = list(self.plan.area.ccgs.values_list("name", flat=True)) or [self.plan.area.name]
        missing = [
            SignOff(plan=self.plan, role=role, organisation=organisation)
            for role in self.round.sign_off_roles.all()
            for organisation in (ccgs if role.one_per_ccg else [self.plan.area.name])
            if (role.pk, organisation) not in existing
        ]
        SignOff.objects.bulk_create(missing)

    def queryset(self):
        return self.plan.sign_offs.select_related("role")


class HicmEditor(FixedRowsEditor):
    form_class = forms.HicmForm

    def row_title(self, form, number):
        return f"Change {number}: {form.instance.change.name}"

    def ensure_rows(self):
        narrative = self.plan.narrative
        existing = set(narrative.hicm_assessments.values_list("change_id", flat=True))
        HighImpactChangeAssessment.objects.bulk_create(
            HighImpactChangeAssessment(narrative=narrative, change=change)
            for change in self.round.highimpactchange_set.all()
            if change.pk not in existing
        )

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
