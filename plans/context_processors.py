from django.conf import settings

from .permissions import is_assurance_user, is_national_admin, roles_of
from .sessions import seconds_left


def _describe(role):
    where = (
        ", ".join(area.name for area in role.areas.all())
        if role.areas.all()
        else (role.region.name if role.region_id else "")
    )
    return f"{role.get_kind_display().lower()}{f' for {where}' if where else ''}"


def account(request):
    """The signed-in user's roles for the header and navigation; two queries at most."""
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else []
    return {
        "bcf_roles": roles,
        "bcf_kinds": {role.kind for role in roles},
        "bcf_role_summary": "; ".join(_describe(role) for role in roles),
        "bcf_assurance": user is not None and is_assurance_user(user),
        "bcf_admin": user is not None and is_national_admin(user),
        "session_age": seconds_left(request.session)
        if hasattr(request, "session")
        else settings.SESSION_COOKIE_AGE,
    }
