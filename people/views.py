"""/people/: who holds which role, invitations, and the welcome page. Each view parses,
asks a selector or calls an action, and renders; the permission rules live in the
selectors (who sees whom) and the actions (who may change what)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plans.models.access import AREA_KINDS, is_national_admin
from plans.ui import error_summary

from . import actions, selectors
from .filters import PeopleFilter
from .forms import InviteForm
from .grants import commissioner_area_ids
from .tokens import LinkInvalid, read_token

PAGE_SIZE = 50


def _require_manager(user):
    if not selectors.can_manage_people(user):
        raise PermissionDenied


def _base_url(request):
    return request.build_absolute_uri("/")


def _name(person):
    return person.get_full_name() or person.email or person.get_username()


def _removable(viewer, person, role, area=None):
    """Whether the viewer may remove the role (for an area role, in `area`)."""
    if person.pk == viewer.pk:
        return False
    if is_national_admin(viewer):
        return True
    return (
        role.kind in AREA_KINDS and area is not None and (area.pk in commissioner_area_ids(viewer))
    )


def _role_rows(viewer, person):
    """(role, where, remove URL or "") for the person's page: one row per area of an
    area role, so each can be removed on its own."""
    rows = []
    base = reverse("people:remove-role", args=[person.pk])
    for role in person.shown_roles:
        if role.kind in AREA_KINDS:
            for area in role.areas.all():
                url = f"{base}?role={role.pk}&area={area.pk}"
                rows.append(
                    (role, area.name, url if _removable(viewer, person, role, area) else "")
                )
        else:
            where = role.region.name if role.region_id else "National"
            url = f"{base}?role={role.pk}"
            rows.append((role, where, url if _removable(viewer, person, role) else ""))
    return rows


@login_required
@require_GET
def people_list(request):
    _require_manager(request.user)
    filters = PeopleFilter(
        request.GET or None, queryset=selectors.people_for(request.user), user=request.user
    )
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/people_list.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "invitations": selectors.pending_invitations_for(request.user),
            "is_admin": is_national_admin(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request):
    _require_manager(request.user)
    form = InviteForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.asks_beyond_rights():
            raise PermissionDenied
        if form.is_valid():
            try:
                invitation = actions.invite(
                    user=request.user,
                    email=form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    grants=form.grants,
                    base_url=_base_url(request),
                )
            except actions.InvitationRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("people:person", invitation.user_id)
        status = 400
    return render(
        request,
        "people/invite.html",
        {
            "form": form,
            "errors": error_summary(form, fallback="id_email"),
            "max_age_days": settings.INVITATION_MAX_AGE_DAYS,
        },
        status=status,
    )


@login_required
@require_GET
def person(request, pk):
    _require_manager(request.user)
    who = selectors.person_for(request.user, pk)
    return render(
        request,
        "people/person.html",
        {
            "person": who,
            "name": _name(who),
            "roles": _role_rows(request.user, who),
            "invitations": selectors.invitation_history(request.user, who),
            "is_admin": is_national_admin(request.user),
            "is_self": who.pk == request.user.pk,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def deactivate(request, pk):
    _require_manager(request.user)
    who = selectors.person_for(request.user, pk)
    if who.pk == request.user.pk:
        raise PermissionDenied("You cannot deactivate yourself.")
    context = {"person": who, "name": _name(who), "is_admin": is_national_admin(request.user)}
    if request.method == "POST":
        try:
            done = actions.deactivate(user=request.user, person=who)
        except actions.PersonRefused as refused:
            messages.error(request, str(refused))
            return redirect("people:person", who.pk)
        if done == "deactivated":
            messages.success(request, f"{_name(who)}'s account is deactivated.")
        else:
            messages.success(request, f"{_name(who)} no longer holds roles in your areas.")
        return redirect("people:list")
    return render(request, "people/deactivate.html", context)


def _role_and_area(request, who):
    source = request.POST if request.method == "POST" else request.GET
    role_id, area_id = source.get("role", ""), source.get("area", "")
    role = next((r for r in who.shown_roles if str(r.pk) == role_id), None)
    if role is None:
        return None, None
    area = None
    if role.kind in AREA_KINDS:
        area = next((a for a in role.areas.all() if str(a.pk) == area_id), None)
        if area is None:
            return None, None
    return role, area


@login_required
@require_http_methods(["GET", "POST"])
def remove_role(request, pk):
    _require_manager(request.user)
    who = selectors.person_for(request.user, pk)
    if who.pk == request.user.pk:
        raise PermissionDenied("You cannot remove your own roles.")
    role, area = _role_and_area(request, who)
    if role is None or not _removable(request.user, who, role, area):
        messages.error(request, "Choose a role from the person's page to remove it.")
        return redirect("people:person", who.pk)
    if request.method == "POST":
        done = actions.remove_role(user=request.user, person=who, role=role, area=area)
        messages.success(request, f"{_name(who)} no longer holds the role of {done}.")
        return redirect("people:person", who.pk)
    return render(
        request,
        "people/remove_role.html",
        {"person": who, "name": _name(who), "role": role, "area": area},
    )


@login_required
@require_POST
def resend_invitation(request, pk):
    _require_manager(request.user)
    invitation = selectors.invitation_for(request.user, pk)
    try:
        actions.resend_invitation(
            user=request.user, invitation=invitation, base_url=_base_url(request)
        )
    except actions.InvitationRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, f"A new link has been sent to {invitation.email}; the old one no longer works."
        )
    return redirect("people:person", invitation.user_id)


@login_required
@require_http_methods(["GET", "POST"])
def revoke_invitation(request, pk):
    _require_manager(request.user)
    invitation = selectors.invitation_for(request.user, pk)
    if request.method == "POST":
        try:
            actions.revoke_invitation(user=request.user, invitation=invitation)
        except actions.InvitationRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
        return redirect("people:person", invitation.user_id)
    return render(
        request,
        "people/revoke_invitation.html",
        {
            "invitation": invitation,
            "roles": selectors.describe_grants(invitation.roles),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def accept(request, token):
    """The invitation link: anyone holding it may open it; what it does depends on
    the account it is for (choose a password, or sign in and accept)."""
    try:
        invitation = read_token(token)
    except LinkInvalid as invalid:
        return render(
            request,
            "people/accept_invalid.html",
            {"message": str(invalid), "expired": invalid.expired},
            status=403,
        )
    person = invitation.user
    context = {
        "invitation": invitation,
        "person": person,
        "roles": selectors.describe_grants(invitation.roles),
        "needs_password": actions.needs_password(person),
        "form": SetPasswordForm(person) if actions.needs_password(person) else None,
        "signed_in_as_person": request.user.is_authenticated and request.user.pk == person.pk,
        "login_url": f"{reverse('login')}?next={request.path}",
    }
    status = 200
    if request.method == "POST":
        try:
            actions.accept_invitation(
                token=token,
                user=request.user,
                new_password1=request.POST.get("new_password1", ""),
                new_password2=request.POST.get("new_password2", ""),
                request=request,
            )
        except actions.PasswordRejected as rejected:
            context |= {"form": rejected.form, "errors": error_summary(rejected.form)}
            status = 400
        except actions.SignInRequired:
            status = 403
        except LinkInvalid as invalid:
            return render(
                request,
                "people/accept_invalid.html",
                {"message": str(invalid), "expired": invalid.expired},
                status=403,
            )
        else:
            messages.success(request, "You have accepted the invitation. Welcome to BCF Plans.")
            return redirect("people:welcome")
    return render(request, "people/accept.html", context, status=status)


@login_required
@require_GET
def welcome(request):
    return render(
        request,
        "people/welcome.html",
        {
            "welcome": selectors.welcome(request.user),
            "manages_people": selectors.can_manage_people(request.user),
        },
    )
