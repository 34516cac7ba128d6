from django.contrib import admin

from .models import MetricComponent, MetricDefinition, MetricPeriod


class ComponentInline(admin.TabularInline):
    model = MetricComponent
    extra = 0


class PeriodInline(admin.TabularInline):
    model = MetricPeriod
    extra = 0


@admin.register(MetricDefinition)
class MetricDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "round", "unit", "granularity", "better"]
    list_filter = ["round"]
    inlines = [ComponentInline, PeriodInline]
