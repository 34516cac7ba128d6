"""Guards every request passes before a view sees it, and safe redirects back."""

from django.core.exceptions import BadRequest
from django.http import Http404, UnreadablePostError
from django.utils.http import url_has_allowed_host_and_scheme

NUL = "\x00"
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(query) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query.lists())


class RefuseNulBytesMiddleware:
    """A NUL byte is never part of a page's address or of anything typed into a form,
    and PostgreSQL refuses it in text ("cannot contain NUL"), which would surface as a
    server error wherever it reached a lookup. Refused once, here: in the path, no such
    page (404); in the query or a form value, a bad request (400). A cookie carrying
    one is dropped, so a forged session cookie is simply no session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.COOKIES = {
            name: value
            for name, value in request.COOKIES.items()
            if NUL not in name and NUL not in value
        }
        if NUL in request.path_info:
            raise Http404("No such page.")
        if _has_nul(request.GET):
            raise BadRequest("A NUL byte in the query.")
        if request.method == "POST" and request.content_type in FORMS and self._nul_posted(request):
            raise BadRequest("A NUL byte in a form value.")
        return self.get_response(request)

    @staticmethod
    def _nul_posted(request) -> bool:
        try:
            return _has_nul(request.POST) or any(
                NUL in (upload.name or "") for upload in request.FILES.values()
            )
        except UnreadablePostError:
            return False  # the client went away; as CsrfViewMiddleware, leave it to the view


def back_or(request, fallback: str) -> str:
    """Where a page sends its user back to: the page they came from (Referer) if it
    is on this site, else `fallback`. Never another site (no open redirect)."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return fallback
