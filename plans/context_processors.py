from django.conf import settings

from .permissions import role_of


def account(request):
    """The signed-in user's role and areas for the header; two queries at most."""
    user = getattr(request, "user", None)
    role = role_of(user) if user is not None else None
    areas = list(role.areas.values_list("name", flat=True)) if role else []
    return {"bcf_role": role, "bcf_areas": areas, "session_age": settings.SESSION_COOKIE_AGE}
