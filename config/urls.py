from django.conf import settings
from django.urls import include, path
from django.views.i18n import set_language

from gigbranch.api.urls import api
from gigbranch.cockpit import views as cockpit_views
from gigbranch.core import views as core_views

urlpatterns = [
    path("", cockpit_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("gigbranch.accounts.urls")),
    path("core/", include("gigbranch.core.urls")),
    path("org/", include("gigbranch.organizations.urls")),
    path("people/", include("gigbranch.members.urls")),
    path("recruitment/", include("gigbranch.recruitment.urls")),
    path("appeals/", include("gigbranch.appeals.urls")),
    path("stations/", include("gigbranch.stations.urls")),
    path("activities/", include("gigbranch.activities.urls")),
    path("planning/", include("gigbranch.planning.urls")),
    path("cockpit/", include("gigbranch.cockpit.urls")),
    path("m/", include("gigbranch.portal.urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("gigbranch.appeals.open311_urls")),
]

handler403 = "gigbranch.core.views.error_403"
handler404 = "gigbranch.core.views.error_404"
handler500 = "gigbranch.core.views.error_500"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
