"""Demo users of DESIGN.md section 7; all share DEMO_PASSWORD (default bcf-demo)."""

import os

from django.contrib.auth import get_user_model

from plans.models import Area, Region, Role

Kind = Role.Kind
BHR = ["barking-and-dagenham", "havering", "redbridge"]
DEMO_USERS = {
    "admin": (Kind.NATIONAL_ADMIN, [], None),
    "barnet.commissioner": (Kind.COMMISSIONER, ["barnet"], None),
    "lancashire.commissioner": (Kind.COMMISSIONER, ["lancashire"], None),
    "bhr.commissioner": (Kind.COMMISSIONER, BHR, None),
    "bhr.finance": (Kind.FINANCE_OFFICER, BHR, None),
    "london.reviewer": (Kind.REVIEWER, [], "london"),
    "northwest.reviewer": (Kind.REVIEWER, [], "north-west"),
}


def demo_password():
    return os.environ.get("DEMO_PASSWORD", "bcf-demo")


def load_users():
    User = get_user_model()
    password = demo_password()
    for username, (kind, area_slugs, region_slug) in DEMO_USERS.items():
        user, _ = User.objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = kind == Kind.NATIONAL_ADMIN
        user.email = f"{username}@example.invalid"
        user.set_password(password)
        user.save()
        role, _ = Role.objects.update_or_create(
            user=user,
            defaults={
                "kind": kind,
                "region": Region.objects.get(slug=region_slug) if region_slug else None,
            },
        )
        role.areas.set(Area.objects.filter(slug__in=area_slugs))
