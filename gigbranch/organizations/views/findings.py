"""Network pages: rule findings and their recheck."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gigbranch.core.audit import record
from gigbranch.core.findings import Severity
from gigbranch.core.models import Finding
from gigbranch.core.permissions import can, require_capability
from gigbranch.core.viewhelpers import is_pk, safe_next

from .. import queries
from ..models import (
    Organization,
)

# --- Findings ---------------------------------------------------------------------------


@require_capability("org.view")
def findings(request: HttpRequest) -> HttpResponse:
    qs = Finding.objects.visible_to(request.user).select_related("region", "organization")
    status = request.GET.get("status", "open")
    qs = qs.open() if status != "resolved" else qs.filter(resolved_at__isnull=False)
    rule = request.GET.get("rule", "")
    severity = request.GET.get("severity", "")
    region_id = request.GET.get("region", "")
    org_id = request.GET.get("organization", "")
    if rule:
        qs = qs.filter(rule_id=rule)
    if severity in Severity.values:
        qs = qs.filter(severity=severity)
    if is_pk(region_id):
        region = get_object_or_404(queries.visible_regions(request.user), pk=int(region_id))
        qs = qs.filter(region__path__startswith=region.path)
    if is_pk(org_id):
        org = get_object_or_404(Organization.objects.visible_to(request.user), pk=int(org_id))
        qs = qs.filter(organization__path__startswith=org.path)
    rules = (
        Finding.objects.visible_to(request.user)
        .open()
        .order_by("rule_id")
        .values("rule_id")
        .annotate(n=Count("pk"))
    )
    page = Paginator(qs.order_by("rule_id", "-first_seen_at", "pk"), 50).get_page(
        request.GET.get("page")
    )
    query = "&".join(
        f"{k}={v}"
        for k, v in (
            ("status", status),
            ("rule", rule),
            ("severity", severity),
            ("region", region_id),
            ("organization", org_id),
        )
        if v
    )
    return render(
        request,
        "organizations/findings.html",
        {
            "page": page,
            "rules": rules,
            "rule": rule,
            "severity": severity,
            "status": status,
            "region_id": region_id,
            "org_id": org_id,
            "query": query,
            "severities": Severity.choices,
            "can_rules": can(request.user, "organizations.rules"),
            "can_change": can(request.user, "organizations.change"),
            "regions": queries.visible_regions(request.user).order_by("path"),
            "orgs": Organization.objects.visible_to(request.user)
            .exclude(kind="party_group")
            .order_by("path")[:500],
        },
    )


@require_POST
@require_capability("org.change")
def findings_recheck(request: HttpRequest) -> HttpResponse:
    from gigbranch.core.services import recompute_findings

    stats = recompute_findings()
    record(
        actor=request.user, action="findings.rechecked", object_type="core.finding", changes=stats
    )
    messages.success(
        request,
        f"已重新检查：新发现{stats['opened']}条，仍存在{stats['kept']}条，已消除{stats['resolved']}条。",
    )
    return redirect(safe_next(request, reverse("organizations:findings"), from_query=False))


def finding_object_url(finding: Finding) -> str:
    if finding.object_type == "organizations.organization":
        return reverse("organizations:detail", args=[finding.object_id])
    if finding.object_type == "organizations.workplace":
        return reverse("organizations:workplace", args=[finding.object_id])
    return ""
