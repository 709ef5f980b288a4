from django.urls import re_path

from . import open311

FMT = r"\.(?P<fmt>[a-z]+)$"
urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="open311-services"),
    re_path(
        r"^services/(?P<code>[-\w]+)" + FMT, open311.service_definition, name="open311-service"
    ),
    re_path(r"^requests" + FMT, open311.requests_view, name="open311-requests"),
    re_path(
        r"^requests/(?P<request_id>[-\w]+)" + FMT, open311.request_detail, name="open311-request"
    ),
    re_path(r"^tokens/(?P<token>[-\w]+)" + FMT, open311.token_view, name="open311-token"),
]
