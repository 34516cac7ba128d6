from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from . import models
from .findings import RULES


class RoleInline(admin.StackedInline):
    model = models.Role
    can_delete = False
    filter_horizontal = ["areas"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class BCFUserAdmin(UserAdmin):
    inlines = [RoleInline]


class RoundChild(admin.TabularInline):
    extra = 0
    show_change_link = True


class SectionInline(RoundChild):
    model = models.Section
    fields = ["order", "slug", "title", "kind", "shared"]


class ConditionInline(RoundChild):
    model = models.NationalCondition
    fields = ["order", "code", "title"]


class FundingSourceInline(RoundChild):
    model = models.FundingSource
    fields = ["order", "code", "name", "parent", "report_group", "is_ccg_minimum", "is_dfg"]


class SignOffRoleInline(RoundChild):
    model = models.SignOffRole
    fields = ["order", "slug", "title", "one_per_ccg"]


class KLOEInline(RoundChild):
    model = models.KeyLineOfEnquiry
    fields = ["order", "code", "question", "section"]


def _declared_rules():
    return [(code, f"{code}: {rule.title}") for code, rule in sorted(RULES.items())]


class RoundRuleForm(forms.ModelForm):
    # Only a declared rule can be chosen, so a typo cannot switch a rule off.
    code = forms.ChoiceField(choices=_declared_rules)

    class Meta:
        model = models.RoundRule
        fields = ["order", "code", "severity"]


class RuleInline(RoundChild):
    model = models.RoundRule
    form = RoundRuleForm
    fields = ["order", "code", "severity"]


@admin.register(models.Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_open"]
    filter_horizontal = ["years"]
    inlines = [
        SectionInline,
        ConditionInline,
        SignOffRoleInline,
        FundingSourceInline,
        KLOEInline,
        RuleInline,
    ]


class QuestionInline(admin.TabularInline):
    model = models.ConditionQuestion
    extra = 0


@admin.register(models.NationalCondition)
class NationalConditionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "round"]
    list_filter = ["round"]
    inlines = [QuestionInline]


for list_model in (
    models.SchemeType,
    models.AreaOfSpend,
    models.CommissionerType,
    models.ProviderType,
    models.HighImpactChange,
    models.MaturityLevel,
    models.Section,
    models.FundingSource,
    models.KeyLineOfEnquiry,
):
    admin.site.register(
        list_model,
        list_display=["__str__", "round", "order"],
        list_filter=["round"],
    )

admin.site.register(models.FinancialYear)


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]


@admin.register(models.Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "ons_code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "ons_code"]
    filter_horizontal = ["ccgs"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.ClinicalCommissioningGroup)
class CCGAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(models.Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["area", "round", "status", "narrative"]
    list_filter = ["round", "status", "area__region"]
    search_fields = ["area__name"]


@admin.register(models.PlanNarrative)
class PlanNarrativeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "round"]
