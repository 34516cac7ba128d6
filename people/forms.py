from crispy_forms_gds.layout import Field, Size
from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from plans.models import Area, Region
from plans.models.access import AREA_KINDS, REGIONAL_KINDS, is_national_admin
from plans.ui import GDSForm

from .ccgs import MAX_BYTES
from .grants import Grant, grantable_kinds
from .selectors import grantable_areas


class InviteForm(GDSForm, forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The invitation link is sent here. Someone who already has an account "
        "keeps it and gains the new roles.",
        error_messages={
            "required": "Enter the email address of the person to invite",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        error_messages={"required": "Enter the person's full name"},
    )
    kinds = forms.MultipleChoiceField(
        label="Roles",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one role"},
    )
    areas = forms.ModelMultipleChoiceField(
        label="Areas",
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For the commissioner and finance officer roles.",
    )
    region = forms.ModelChoiceField(
        label="Region",
        queryset=Region.objects.all(),
        required=False,
        empty_label="Choose a region",
        help_text="For the regional assurer and moderator roles.",
    )

    def __init__(self, *args, user: AbstractBaseUser | AnonymousUser, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.admin = is_national_admin(user)
        self.fields["kinds"].choices = grantable_kinds(user)
        areas = grantable_areas(user)
        self.fields["areas"].queryset = areas
        layout = [
            Field.text("email", field_width=20),
            Field.text("full_name", field_width=20),
            Field.checkboxes("kinds", legend_size=Size.SMALL, small=True),
        ]
        if self.admin:
            # 152 areas: the page lists them by region, each region folded away
            # (areas_by_region), and the region below them; not through the helper.
            self.fields[
                "areas"
            ].help_text = "For the commissioner and finance officer roles: tick their areas."
        else:
            del self.fields["region"]
            self.fields["areas"].help_text = "Your areas: the roles apply to those you tick."
            layout += [Field.checkboxes("areas", legend_size=Size.SMALL, small=True)]
            if len(self.fields["areas"].queryset) == 1 and not self.is_bound:
                self.initial["areas"] = list(areas)
        self.setup_helper(*layout)

    def areas_by_region(self):
        """[(region name, [(area, ticked)], any ticked)] for the administrator's page."""
        ticked = {str(value) for value in (self["areas"].value() or [])}
        groups: dict[str, list] = {}
        for area in self.fields["areas"].queryset:
            groups.setdefault(area.region.name, []).append((area, str(area.pk) in ticked))
        return [(name, items, any(t for _a, t in items)) for name, items in sorted(groups.items())]

    def asks_beyond_rights(self) -> bool:
        """A forged request for a role or area the inviter may not grant (the page
        never offers one): refused with 403 rather than as a mistake to correct."""
        if not self.is_bound or self.admin:
            return False
        kinds = {kind for kind, _label in grantable_kinds(self.user)}
        areas = {str(pk) for pk in self.fields["areas"].queryset.values_list("pk", flat=True)}
        asked_kinds = set(self.data.getlist("kinds")) if hasattr(self.data, "getlist") else set()
        asked_areas = set(self.data.getlist("areas")) if hasattr(self.data, "getlist") else set()
        return bool(asked_kinds - kinds) or bool(asked_areas - areas) or "region" in self.data

    def clean(self):
        data = super().clean()
        kinds = data.get("kinds") or []
        areas = data.get("areas") or []
        region = data.get("region")
        area_kinds = [k for k in kinds if k in AREA_KINDS]
        regional_kinds = [k for k in kinds if k in REGIONAL_KINDS]
        if area_kinds and not areas and "areas" not in self.errors:
            self.add_error("areas", "Choose the areas for the commissioner or finance officer role")
        if areas and kinds and not area_kinds:
            self.add_error(
                "areas", "Clear the areas, or choose the commissioner or finance officer role"
            )
        if regional_kinds and region is None and "region" not in self.errors:
            self.add_error("region", "Choose the region for the assurer or moderator role")
        if region is not None and kinds and not regional_kinds:
            self.add_error("region", "Clear the region, or choose an assurer or moderator role")
        grants: list[Grant] = []
        for kind in kinds:
            if kind in AREA_KINDS:
                grants.append({"kind": kind, "areas": [area.pk for area in areas]})
            elif kind in REGIONAL_KINDS:
                if region is not None:
                    grants.append({"kind": kind, "region": region.pk})
            else:
                grants.append({"kind": kind})
        self.grants = grants
        return data


class CcgUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a CSV file of CCGs",
        help_text=f"CSV UTF-8, up to {MAX_BYTES // 1024 // 1024} MB, with the columns "
        "ODS code, Name and HWBs (ONS codes or area names separated by ;).",
        error_messages={"required": "Select a CSV file of CCGs", "empty": "The file is empty"},
    )
