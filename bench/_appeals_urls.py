"""The project's URLs plus /bench/floor: a minimal Django endpoint (the floor)."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def floor(request):  # type: ignore[no-untyped-def]
    return HttpResponse(b'{"ok":true}', content_type="application/json")


urlpatterns = [path("bench/floor", floor), *project_urlpatterns]
