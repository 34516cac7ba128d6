from django.contrib import admin

from .models import Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are made, resent and revoked on the people pages."""

    list_display = ["email", "invited_by", "created_at", "sent_at", "accepted_at", "revoked_at"]
    list_filter = ["accepted_at", "revoked_at"]
    search_fields = ["email", "full_name"]
    readonly_fields = [f.name for f in Invitation._meta.fields] + ["areas"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
