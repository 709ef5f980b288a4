"""The worker's own pages on the portal: dues and points."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gigbranch.core.permissions import require_capability

from .. import services
from ..models import (
    PartyMember,
)

# --- the worker's own pages (portal) ------------------------------------------------------


@require_capability("portal.use")
def my_dues(request: HttpRequest) -> HttpResponse:
    worker = getattr(request.user, "worker", None)
    member = PartyMember.objects.filter(worker=worker).first() if worker else None
    today = timezone.localdate()
    ctx: dict[str, Any] = {"member": member}
    if member is not None:
        ctx.update(
            {
                "assessment": member.dues_assessments.filter(year=today.year).first(),
                "payments": member.dues_payments.all()[:24],
                "arrears": services.member_arrears(member, until=today),
                # Summed as Decimal (exact to the fen on every database).
                "paid_this_year": sum(
                    services.paid_months(
                        member.dues_payments.filter(month__year=today.year).values_list(
                            "month", "amount"
                        )
                    ).values(),
                    Decimal(0),
                ),
            }
        )
    return render(request, "members/my_dues.html", ctx)


@require_capability("portal.use")
def my_points(request: HttpRequest) -> HttpResponse:
    worker = getattr(request.user, "worker", None)
    entries = worker.point_entries.all()[:100] if worker else []
    return render(
        request,
        "members/my_points.html",
        {"entries": entries, "total": services.balance(worker) if worker else 0},
    )
