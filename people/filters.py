"""The people list's filters (django-filter): by area, role, status, name or email."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from plans.models import Role
from plans.models.access import AREA_KINDS

from .grants import grantable_kinds
from .models import Invitation
from .selectors import grantable_areas, managed_area_ids

STATUSES = [
    ("active", "Active"),
    ("invited", "Invited, not yet accepted"),
    ("deactivated", "Deactivated"),
]


class PeopleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name or email", method="search", max_length=100)
    area = django_filters.ModelChoiceFilter(
        label="Area", queryset=None, method="by_role", empty_label="All areas"
    )
    kind = django_filters.ChoiceFilter(
        label="Role", choices=[], method="by_role", empty_label="Any role"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=STATUSES, method="by_status", empty_label="Any status"
    )

    class Meta:
        model = get_user_model()
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.scope = managed_area_ids(user)
        self.filters["area"].queryset = grantable_areas(user)
        self.form.fields["area"].queryset = grantable_areas(user)
        self.form.fields["kind"].choices = grantable_kinds(user)

    def search(self, queryset, name, value):
        words = value.split()
        for word in words[:5]:
            queryset = queryset.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(username__icontains=word)
            )
        return queryset

    def by_role(self, queryset, name, value):
        return queryset  # area and role together, in filter_queryset

    def by_status(self, queryset, name, value):
        pending = Exists(Invitation.objects.pending().filter(user=OuterRef("pk")))
        if value == "active":
            return queryset.filter(is_active=True)
        if value == "invited":
            return queryset.filter(pending, is_active=False)
        return queryset.filter(~pending, is_active=False)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        area = self.form.cleaned_data.get("area")
        kind = self.form.cleaned_data.get("kind")
        if area or kind:
            # One role row both in the area and of the kind; a commissioner's filter
            # looks only at roles in their own areas.
            roles = Role.objects.filter(user=OuterRef("pk"))
            if self.scope is not None:
                roles = roles.filter(kind__in=AREA_KINDS, areas__in=self.scope)
            if area:
                roles = roles.filter(areas=area)
            if kind:
                roles = roles.filter(kind=kind)
            queryset = queryset.filter(Exists(roles))
        return queryset
