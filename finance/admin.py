from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import MinimumAllocation


@admin.register(MinimumAllocation)
class MinimumAllocationAdmin(SimpleHistoryAdmin):
    list_display = ["area", "year", "kind", "amount"]
    list_filter = ["kind", "year", "area__region"]
    search_fields = ["area__name"]
