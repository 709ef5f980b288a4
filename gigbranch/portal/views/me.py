"""Portal home and My page (own points, dues, activities, data and its export)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from gigbranch.activities.models import SignUp
from gigbranch.members import consent as consent_store
from gigbranch.members.models import ConsentPurpose
from gigbranch.stations.models import (
    Booking,
    StudyCompletion,
)

from .. import services
from .base import _error_text, _me, _optional_url, _own_mobile, portal_view

# --- Home and My page -----------------------------------------------------------------------


@portal_view
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "worker": request.user.worker,
            "tab": "home",
            "appeal_new_url": _optional_url("appeals:portal_new"),
        },
    )


def _points_for(worker: Any) -> int | None:
    """Points balance from the people module's ledger (None when not linked)."""
    if worker is None:
        return None
    from gigbranch.members import services as member_services

    balance = getattr(member_services, "balance", None)
    return balance(worker) if balance is not None else None


def _dues_for(member: Any) -> dict[str, Any] | None:
    """Members only: this year's monthly amount, arrears and recent payments (DUES-1…5)."""
    if member is None:
        return None
    from gigbranch.members import services as member_services

    today = timezone.localdate()
    assessment = member.dues_assessments.filter(year=today.year).first()
    arrears = member_services.member_arrears(member, until=today)
    return {
        "monthly": assessment.monthly_amount if assessment else None,
        "arrears_months": len(arrears),
        "arrears_total": sum((amount for _m, amount in arrears), start=0),
        "payments": list(member.dues_payments.order_by("-month")[:6]),
    }


@portal_view
def me(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    worker = user.worker
    now = timezone.now()
    bookings = (
        Booking.objects.visible_to(user)
        .select_related("slot__provider")
        .order_by("-slot__starts_at")[:20]
    )
    signups = (
        SignUp.objects.filter(user=user).select_related("activity").order_by("-created_at")[:20]
    )
    completions = StudyCompletion.objects.filter(user=user).select_related("article")
    from gigbranch.members.models import PartyMember

    member = (
        PartyMember.objects.filter(worker=worker).select_related("organization").first()
        if worker
        else None
    )
    return render(
        request,
        "portal/me.html",
        {
            "tab": "me",
            "worker": worker,
            "mobile": _own_mobile(user),
            "now": now,
            "bookings": bookings,
            "signups": signups,
            "completions": completions,
            "study_points": sum(c.article.points for c in completions),
            "points": _points_for(worker),
            "member": member,
            "dues": _dues_for(member),
            "appeal_list_url": _optional_url("appeals:portal_list"),
            "appeal_new_url": _optional_url("appeals:portal_new"),
        },
    )


@portal_view
def my_data(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "correct":
                services.correct_name(user=user, full_name=request.POST.get("full_name", ""))
                messages.success(request, "姓名已更正。")
            elif action == "withdraw_political":
                services.withdraw_consent(user=user, purpose=ConsentPurpose.POLITICAL_STATUS)
                messages.success(request, "已撤回政治面貌授权，工作人员将不再看到您的政治面貌。")
            elif action == "grant_political":
                services.record_consent(user=user, basic=True, political_status=True)
                messages.success(request, "已授权政治面貌用于党组织联系服务。")
            elif action == "withdraw_basic":
                services.withdraw_consent(user=user, purpose=ConsentPurpose.BASIC)
                logout(request)
                return redirect("portal:login")
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        return redirect("portal:my_data")
    return render(
        request,
        "portal/my_data.html",
        {
            "tab": "me",
            "worker": user.worker,
            "mobile": _own_mobile(user),
            "consents": consent_store.answers(user),
            "records": consent_store.history(user)[:20],
        },
    )


@portal_view
def my_data_export(request: HttpRequest) -> HttpResponse:
    body = services.export_my_data(user=request.user)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response
