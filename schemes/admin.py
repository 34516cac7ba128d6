from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Scheme


@admin.register(Scheme)
class SchemeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "plan", "theme"]
    list_filter = ["plan__round"]
    search_fields = ["code", "name", "plan__area__name"]
