"""Demo users of DESIGN.md section 7; all share DEMO_PASSWORD (default bcf-demo)."""

import os

from django.contrib.auth import get_user_model

from plans.models import Area, Region, Role

Kind = Role.Kind
BHR = ["barking-and-dagenham", "havering", "redbridge"]
# username: [(role kind, areas, region)]; a person may hold several roles.
DEMO_USERS = {
    "admin": [(Kind.NATIONAL_ADMIN, [], None)],
    "barnet.commissioner": [(Kind.COMMISSIONER, ["barnet"], None)],
    "lancashire.commissioner": [(Kind.COMMISSIONER, ["lancashire"], None)],
    "bhr.commissioner": [(Kind.COMMISSIONER, BHR, None)],
    "bhr.finance": [(Kind.FINANCE_OFFICER, BHR, None)],
    "london.reviewer": [(Kind.REVIEWER, [], "london")],
    "london.assurer.nhs": [(Kind.REVIEWER, [], "london")],
    "london.assurer.la": [(Kind.LA_ASSURER, [], "london")],
    "london.moderator": [(Kind.MODERATOR, [], "london")],
    "northwest.reviewer": [(Kind.REVIEWER, [], "north-west")],
    "national.approver": [(Kind.NATIONAL_APPROVER, [], None)],
}
FULL_NAMES = {
    "london.assurer.nhs": ("Priya", "Shah"),
    "london.assurer.la": ("Tom", "Adeyemi"),
    "london.moderator": ("Helen", "Okafor"),
    "national.approver": ("David", "Lowe"),
}


def demo_password():
    return os.environ.get("DEMO_PASSWORD", "bcf-demo")


def load_users():
    User = get_user_model()
    password = demo_password()
    for username, roles in DEMO_USERS.items():
        user, _ = User.objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = any(k == Kind.NATIONAL_ADMIN for k, _a, _r in roles)
        user.email = f"{username}@example.invalid"
        user.first_name, user.last_name = FULL_NAMES.get(username, ("", ""))
        user.set_password(password)
        user.save()
        kept = []
        for kind, area_slugs, region_slug in roles:
            role, _ = Role.objects.get_or_create(
                user=user,
                kind=kind,
                region=Region.objects.get(slug=region_slug) if region_slug else None,
            )
            role.areas.set(Area.objects.filter(slug__in=area_slugs))
            kept.append(role.pk)
        Role.objects.filter(user=user).exclude(pk__in=kept).delete()
