"""The inbox (in-app notifications) and the development SMS outbox (notifications app)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from gigbranch.core import actors
from gigbranch.core.permissions import require_capability
from gigbranch.notifications.models import Notification, SmsMessage

from .. import services


@require_capability("sms.outbox")
def sms_outbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(SmsMessage.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "appeals/sms_outbox.html", {"page": page})


def notifications(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    items = list(Notification.objects.filter(recipient=request.user).select_related("appeal")[:50])
    if request.method == "POST":
        services.mark_notifications_read(actor=actors.of(request))
        return redirect("appeals:notifications")
    template = (
        "appeals/portal_notifications.html"
        if request.user.role == "worker"
        else ("appeals/notifications.html")
    )
    return render(request, template, {"items": items})
