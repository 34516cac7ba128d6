from django.http import HttpResponse
from django.urls import path

from bcfplans.urls import urlpatterns as service


def minimal(request):
    """The least a Django view can do, through the same middleware as every page."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/minimal", minimal), *service]
