from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gigbranch.accounts.roles import has_capability
from gigbranch.core import stash
from gigbranch.core.audit import record
from gigbranch.core.figures import chosen, counted, narrowed
from gigbranch.core.findings import Severity
from gigbranch.core.models import AuditEvent, Finding
from gigbranch.core.permissions import require_can, require_capability
from gigbranch.members.models import MemberKind
from gigbranch.members.queries import FULL_MEMBER_Q

from . import excel, forms, queries, services
from .forms import CommitteeMemberForm, ImportForm, MoveForm, OrganizationForm
from .models import (
    PATH_STEP,
    PHONE_FIELDS,
    CommitteeMember,
    CoverageMode,
    Instructor,
    Organization,
    OrgKind,
    OrgRuleSet,
    Region,
    Workplace,
    WorkplaceKind,
)
from .policy import Thresholds

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _with_counts(nodes: Any, user: Any) -> list[Organization]:
    rows = list(
        queries.annotate_subtree_counts(nodes.select_related("region"), user).order_by("path")
    )
    for r in rows:
        # n_orgs counts the node itself unless it is a party group (not a 党组织 figure row).
        own = 0 if r.kind == OrgKind.PARTY_GROUP else 1
        r.n_descendants = r.n_orgs - own  # type: ignore[attr-defined]
    return rows


@require_capability("org.view")
def tree(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    figure = chosen(queries.ORGANIZATION_FIGURES, request.GET.get("figure"))
    within = queries.drill_region(request.user, request.GET.get("within"))
    if q or figure:
        # A flat list: a name search, or the organisations behind a home-page figure.
        nodes = narrowed(
            figure.rows(request.user) if figure else Organization.objects.visible_to(request.user),
            within.path if within else None,
        )
        if q:
            nodes = nodes.filter(name__icontains=q)
        page = Paginator(nodes.order_by("path"), 50).get_page(request.GET.get("page"))
        rows = _with_counts(Organization.objects.filter(pk__in=[o.pk for o in page]), request.user)
        query = "&".join(
            f"{k}={v}"
            for k, v in (
                ("figure", figure.key if figure else ""),
                ("q", q),
                ("within", within.pk if within else ""),
            )
            if v
        )
        return render(
            request,
            "organizations/tree.html",
            {
                "within": within,
                "rows": rows,
                "q": q,
                "page": page,
                "searching": True,
                "query": query,
                "figure": figure,
                "figure_links": counted(queries.ORGANIZATION_FIGURES.values(), request.user),
            },
        )
    rows = _with_counts(queries.tree_roots(request.user), request.user)
    return render(
        request,
        "organizations/tree.html",
        {
            "rows": rows,
            "q": "",
            "searching": False,
            "can_change": has_capability(request.user, "org.change"),
            "figure_links": counted(queries.ORGANIZATION_FIGURES.values(), request.user),
        },
    )


@require_capability("org.view")
def tree_children(request: HttpRequest, pk: int) -> HttpResponse:
    node = get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
    children = Organization.objects.visible_to(request.user).filter(parent=node)
    return render(
        request,
        "organizations/_tree_rows.html",
        {"rows": _with_counts(children, request.user), "parent": node},
    )


def _history(org: Organization) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type="organizations.organization", object_id=str(org.pk)
        ).order_by("-created_at", "-id")[:50]
    )


def _detail_context(
    request: HttpRequest, org: Organization, *, letter_form: Any = None
) -> dict[str, Any]:
    visible = Organization.objects.visible_to(request.user)
    counted = _with_counts(Organization.objects.filter(pk=org.pk), request.user)[0]
    direct = org.members.aggregate(
        full=Count("pk", filter=FULL_MEMBER_Q),
        total=Count("pk", filter=Q(status__in=queries.IN_STANDING)),
    )
    move_form = None
    if has_capability(request.user, "org.change"):
        move_form = MoveForm(user=request.user, node=org)
        if letter_form is None:
            letter_form = forms.TransferLetterDaysForm(
                initial={"transfer_letter_days": org.transfer_letter_days}
            )
    findings = (
        Finding.objects.visible_to(request.user)
        .open()
        .filter(
            Q(organization=org) | Q(object_type="organizations.organization", object_id=str(org.pk))
        )
    )
    return {
        "org": org,
        "counted": counted,
        "direct": direct,
        "children": visible.filter(parent=org).order_by("path"),
        "workplaces": org.workplaces.visible_to(request.user).select_related(
            "region", "instructor"
        ),
        "committee": org.committee.all(),
        "committee_form": CommitteeMemberForm() if move_form else None,
        "move_form": move_form,
        "letter_validity": queries.transfer_letter_validity(org),
        "letter_form": letter_form,
        "history": _history(org),
        "findings": findings[:20],
        "can_change": move_form is not None,
        "can_reveal": has_capability(request.user, "pii.reveal"),
    }


def _detail_org(request: HttpRequest, pk: int) -> Organization:
    return get_object_or_404(
        Organization.objects.visible_to(request.user).select_related(
            "region", "parent", "secretary_member__worker"
        ),
        pk=pk,
    )


@require_capability("org.view")
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = _detail_org(request, pk)
    return render(request, "organizations/detail.html", _detail_context(request, org))


@require_POST
@require_capability("org.change")
def transfer_letter_days(request: HttpRequest, pk: int) -> HttpResponse:
    """MOB-3: the organisation's own transfer-letter validity (empty = inherit)."""
    org = _detail_org(request, pk)
    form = forms.TransferLetterDaysForm(request.POST)
    if form.is_valid():
        days = form.cleaned_data["transfer_letter_days"]
        try:
            services.set_transfer_letter_days(actor=request.user, organization=org, days=days)
        except ValidationError as exc:
            form.add_error("transfer_letter_days", exc.message_dict["transfer_letter_days"])
        else:
            messages.success(
                request,
                f"已将介绍信有效期设为{days}天。"
                if days is not None
                else "已清除本组织设置，沿用上级党组织或系统默认。",
            )
            return redirect("organizations:detail", pk=org.pk)
    ctx = _detail_context(request, org, letter_form=form)
    return render(request, "organizations/detail.html", ctx, status=400)


@require_capability("org.change")
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
    form = OrganizationForm(
        request.POST or None, instance=Organization.objects.get(pk=pk), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.update_organization(actor=request.user, organization=org, **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("organizations:detail", pk=org.pk)
    return render(request, "organizations/edit.html", {"org": org, "form": form})


@require_POST
@require_capability("org.change")
def organization_move(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
    form = MoveForm(request.POST, user=request.user, node=org)
    if form.is_valid():
        try:
            moved = services.move_subtree(
                actor=request.user, organization=org, new_parent=form.cleaned_data["new_parent"]
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"已移动，共更新{moved}个党组织的隶属关系。")
    else:
        messages.error(request, "请选择有效的目标上级党组织。")
    return redirect("organizations:detail", pk=org.pk)


@require_POST
@require_capability("org.change")
def committee_add(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
    form = CommitteeMemberForm(request.POST)
    if form.is_valid():
        services.add_committee_member(actor=request.user, organization=org, **form.cleaned_data)
        messages.success(request, "已添加支部委员。")
    else:
        messages.error(request, "请填写姓名和职务。")
    return redirect("organizations:detail", pk=org.pk)


@require_POST
@require_capability("org.change")
def committee_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    org = get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
    row = get_object_or_404(CommitteeMember.objects.filter(organization=org), pk=member_pk)
    services.remove_committee_member(actor=request.user, committee_member=row)
    messages.success(request, "已移除。")
    return redirect("organizations:detail", pk=org.pk)


@require_capability("org.view")
def workplaces(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    mode = request.GET.get("coverage", "")
    kind = request.GET.get("kind", "")
    figure = chosen(queries.WORKPLACE_FIGURES, request.GET.get("figure"))
    base = figure.rows(request.user) if figure else Workplace.objects.visible_to(request.user)
    within = queries.drill_region(request.user, request.GET.get("within"))
    qs = narrowed(base, within.path if within else None)
    qs = qs.select_related("region", "organization", "instructor")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code=q.upper()))
    if mode in CoverageMode.values:
        qs = qs.filter(coverage_mode=mode)
    if kind in WorkplaceKind.values:
        qs = qs.filter(kind=kind)
    region_id = request.GET.get("region", "")
    region = None
    if _is_pk(region_id):
        region = get_object_or_404(queries.visible_regions(request.user), pk=int(region_id))
        qs = qs.filter(region__path__startswith=region.path)
    page = Paginator(qs.order_by("region__path", "name", "id"), 50).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    queries.add_worker_counts(page.object_list)
    query = "&".join(
        f"{k}={v}"
        for k, v in (
            ("figure", figure.key if figure else ""),
            ("q", q),
            ("coverage", mode),
            ("kind", kind),
            ("region", region_id),
            ("within", within.pk if within else ""),
        )
        if v
    )
    return render(
        request,
        "organizations/workplaces.html",
        {
            "within": within,
            "figure": figure,
            "figure_links": counted(queries.WORKPLACE_FIGURES.values(), request.user),
            "page": page,
            "q": q,
            "mode": mode,
            "kind": kind,
            "query": query,
            "region": region,
            "can_change": has_capability(request.user, "org.change"),
            "modes": CoverageMode.choices,
            "kinds": WorkplaceKind.choices,
        },
    )


@require_capability("org.view")
def instructors(request: HttpRequest) -> HttpResponse:
    qs = (
        Instructor.objects.visible_to(request.user)
        .select_related("region", "organization")
        .annotate(n_workplaces=Count("workplaces"))
        .order_by("region__path", "name")
    )
    return render(
        request,
        "organizations/instructors.html",
        {"instructors": qs, "can_change": has_capability(request.user, "org.change")},
    )


# --- Coverage ---------------------------------------------------------------------------


def _coverage_region(request: HttpRequest, visible: QuerySet[Region]) -> Region:
    """`?region=<id>` among the user's visible regions (any other id: 404, as everywhere
    in the app); without it the user's own region, or the top of the visible ones."""
    region_id = request.GET.get("region", "")
    if region_id:
        if not _is_pk(region_id):
            raise Http404
        return get_object_or_404(visible, pk=int(region_id))
    scope_region: Region | None = request.user.scope_region
    if scope_region is not None:
        return scope_region
    # An organisation scope (a branch, an industry line) starts where the organisation
    # sits: a branch secretary sees their township, not the whole county.
    scope_org = request.user.scope_organization
    if scope_org is not None and scope_org.region_id is not None:
        home = visible.filter(pk=scope_org.region_id).first()
        if home is not None:
            return home
    top = visible.order_by("path").first()
    if top is None:
        raise Http404
    return top


@require_capability("org.view")
def coverage_points(request: HttpRequest) -> JsonResponse:
    """The map's points, loaded by the page's script (the page itself stays light)."""
    region = _coverage_region(request, queries.visible_regions(request.user))
    return JsonResponse(
        {
            "points": queries.map_points(request.user, region),
            "areas": queries.region_areas(request.user, region),
        },
        json_dumps_params={"separators": (",", ":"), "ensure_ascii": False},
    )


def _crumbs(request: HttpRequest, region: Region) -> list[dict[str, Any]]:
    """The region and its ancestors inside the user's scope, top first: one query over the
    path prefixes (no walk up the parents)."""
    top = request.user.scope_region.path if request.user.scope_region_id else ""
    prefixes = [
        region.path[:end]
        for end in range(PATH_STEP, len(region.path) + 1, PATH_STEP)
        if region.path[:end].startswith(top)
    ]
    return [
        dict(row)
        for row in Region.objects.filter(path__in=prefixes).order_by("path").values("pk", "name")
    ]


@require_capability("org.view")
def coverage(request: HttpRequest) -> HttpResponse:
    visible = queries.visible_regions(request.user)
    region = _coverage_region(request, visible)
    report = queries.coverage_report(request.user, region)
    queries.coverage_rows_in_view(report, request.user, region)
    chart = {
        "regions": [r.as_dict() for r in report["per_region"]],
        "kinds": [r.as_dict() for r in report["per_kind"]],
    }
    mapdata = {
        "points_url": reverse("organizations:coverage_points") + f"?region={region.pk}",
        "center": [float(region.latitude), float(region.longitude)]
        if region.latitude is not None and region.longitude is not None
        else None,
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "labels": dict(CoverageMode.choices),
        "home": _home_marker(request.user.scope_organization),
    }
    return render(
        request,
        "organizations/coverage.html",
        {
            "region": region,
            "report": report,
            "overall": report["overall"],
            "chart": chart,
            "mapdata": mapdata,
            "uncovered": queries.uncovered_top(request.user, region),
            "uncovered_count": report["uncovered_count"],
            "uncovered_top": queries.UNCOVERED_TOP,
            "crumbs": _crumbs(request, region),
            "scope_org": request.user.scope_organization,
        },
    )


def _home_marker(org: Organization | None) -> list[Any] | None:
    """An organisation scope's own seat on the map: [lat, lng, name]."""
    if org is None or org.latitude is None or org.longitude is None:
        return None
    return [float(org.latitude), float(org.longitude), org.name]


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
    if _is_pk(region_id):
        region = get_object_or_404(queries.visible_regions(request.user), pk=int(region_id))
        qs = qs.filter(region__path__startswith=region.path)
    if _is_pk(org_id):
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
            "can_rules": has_capability(request.user, "org.rules"),
            "can_change": has_capability(request.user, "org.change"),
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
    return redirect(_safe_next(request, reverse("organizations:findings")))


def _is_pk(value: str | None) -> bool:
    """A query parameter usable as a primary key: ASCII-decimal digits only (`isdigit()`
    accepts "²", which `int()` rejects) and short enough not to overflow the database."""
    return value is not None and value.isdecimal() and value.isascii() and len(value) <= 18


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """The POSTed `next` if it stays on this site, else `fallback` (no open redirect)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


_REVEAL_MODELS: dict[str, Any] = {
    "organization": Organization,
    "committeemember": CommitteeMember,
    "instructor": Instructor,
    "workplace": Workplace,
}


@require_POST
@require_capability("pii.reveal")
def phone_reveal(request: HttpRequest, model: str, pk: int, field: str) -> HttpResponse:
    """One unmasked phone number for a `pii.reveal` holder, audited ("pii.revealed")."""
    if model not in _REVEAL_MODELS or field not in PHONE_FIELDS.get(model, ()):
        raise Http404
    obj = get_object_or_404(_REVEAL_MODELS[model].objects.visible_to(request.user), pk=pk)
    value = services.reveal_phone(actor=request.user, obj=obj, field=field)
    return render(request, "organizations/_revealed.html", {"value": value})


def finding_object_url(finding: Finding) -> str:
    if finding.object_type == "organizations.organization":
        return reverse("organizations:detail", args=[finding.object_id])
    if finding.object_type == "organizations.workplace":
        return reverse("organizations:workplace", args=[finding.object_id])
    return ""


@require_capability("org.view")
def workplace_detail(request: HttpRequest, pk: int) -> HttpResponse:
    wp = get_object_or_404(
        Workplace.objects.visible_to(request.user).select_related(
            "region", "organization", "instructor"
        ),
        pk=pk,
    )
    full = queries.full_members_by_workplace([wp.pk]).get(wp.pk, 0)
    history = AuditEvent.objects.filter(
        object_type="organizations.workplace", object_id=str(wp.pk)
    )[:30]
    findings_qs = (
        Finding.objects.visible_to(request.user)
        .open()
        .filter(object_type="organizations.workplace", object_id=str(wp.pk))
    )
    return render(
        request,
        "organizations/workplace_detail.html",
        {
            "wp": wp,
            "full": full,
            "workers": wp.workers.count(),
            "history": history,
            "assign_form": forms.AssignInstructorForm(
                initial={"instructor": wp.instructor_id}, user=request.user
            )
            if has_capability(request.user, "org.change")
            else None,
            "findings": findings_qs,
            "can_reveal": has_capability(request.user, "pii.reveal"),
        },
    )


# --- Import and export ------------------------------------------------------------------

KINDS = {"workplaces": "企业/站点", "organizations": "党组织"}


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise Http404
    return kind


@require_can("organizations.import")
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    title = excel.TEMPLATES[_kind(kind)][0]
    response = HttpResponse(excel.template_bytes(kind), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(title)}.xlsx"
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


@require_can("organizations.import")
def import_start(request: HttpRequest, kind: str) -> HttpResponse:
    _kind(kind)
    form = ImportForm(request.POST or None, request.FILES or None)
    ctx: dict[str, Any] = {"kind": kind, "kind_label": KINDS[kind], "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            form.add_error(
                "file", f"文件超过大小上限{settings.UPLOAD_MAX_BYTES // 1024 // 1024}MB，已拒绝。"
            )
            return render(request, "organizations/import.html", ctx, status=400)
        data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
        try:
            result = excel.parse(kind, data, actor=request.user)
        except excel.ImportRefused as exc:
            form.add_error("file", str(exc))
            return render(request, "organizations/import.html", ctx, status=400)
        token = stash.put(data, purpose=f"org_import:{kind}", owner_id=request.user.pk)
        request.session[f"org_import_{token}"] = {
            "kind": kind,
            "user": request.user.pk,
            "at": timezone.now().isoformat(),
        }
        ctx |= {"result": result, "counts": result.counts(), "token": token}
    return render(request, "organizations/import.html", ctx)


@require_POST
@require_can("organizations.import")
def import_apply(request: HttpRequest, kind: str) -> HttpResponse:
    _kind(kind)
    token = request.POST.get("token", "")
    meta = request.session.get(f"org_import_{token}") if token.isalnum() else None
    data = stash.get(token, purpose=f"org_import:{kind}", owner_id=request.user.pk)
    if not meta or meta["kind"] != kind or meta["user"] != request.user.pk or data is None:
        messages.error(request, "导入文件已失效，请重新上传。")
        return redirect("organizations:import", kind=kind)
    valid_only = request.POST.get("valid_only") == "1"
    try:
        result = excel.parse(kind, data, actor=request.user)
        counts = excel.apply(result, actor=request.user, valid_only=valid_only)
    except (excel.ImportRefused, ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        return redirect("organizations:import", kind=kind)
    stash.discard(token)
    request.session.pop(f"org_import_{token}", None)
    messages.success(
        request,
        f"导入完成：新增{counts['created']}条，更新{counts['updated']}条，未变化{counts['unchanged']}条"
        + (f"，跳过有错误的{counts['skipped']}行" if counts["skipped"] else "")
        + "。",
    )
    return redirect("organizations:workplaces" if kind == "workplaces" else "organizations:tree")


@require_capability("org.change")
def export_ledger(request: HttpRequest, kind: str) -> FileResponse:
    """The ledger as Excel; phone numbers masked unless the user holds `pii.reveal`."""
    _kind(kind)
    reveal = has_capability(request.user, "pii.reveal")
    if kind == "workplaces":
        wps = Workplace.objects.visible_to(request.user)
        data, title, rows = excel.export_workplaces(wps, reveal=reveal), "企业站点台账", wps.count()
    else:
        orgs = Organization.objects.visible_to(request.user).annotate(
            n_full=Count(
                "members",
                filter=Q(members__kind=MemberKind.FULL, members__status__in=queries.IN_STANDING),
                distinct=True,
            ),
            n_members=Count(
                "members", filter=Q(members__status__in=queries.IN_STANDING), distinct=True
            ),
        )
        data, title, rows = (
            excel.export_organizations(orgs, reveal=reveal),
            "党组织台账",
            orgs.count(),
        )
    record(
        actor=request.user,
        action=f"{kind}.exported",
        object_type=f"organizations.{kind}",
        changes={"rows": rows, "unmasked": reveal},
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    return FileResponse(
        iter([data]), as_attachment=True, filename=f"{title}{stamp}.xlsx", content_type=XLSX
    )


# --- Create and edit forms (organisations, workplaces, instructors, rule-sets) -----------


def _form_page(
    request: HttpRequest, form: Any, *, title: str, back: str, back_label: str, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "organizations/form.html",
        {"form": form, "title": title, "back": back, "back_label": back_label},
        status=status,
    )


def _save(request: HttpRequest, form: Any, write: Any) -> Any:
    """Run a service with the form's data; service errors go back onto the form."""
    try:
        return write()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    return None


@require_capability("org.change")
def organization_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    parent_id = request.GET.get("parent", "")
    if _is_pk(parent_id):
        initial["parent"] = parent_id
    form = forms.OrganizationCreateForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in forms.OrganizationForm.Meta.fields}
        org = _save(
            request,
            form,
            lambda: services.create_organization(
                actor=request.user, parent=form.cleaned_data["parent"], **data
            ),
        )
        if org is not None:
            messages.success(request, f"已新建党组织“{org.name}”。")
            return redirect("organizations:detail", pk=org.pk)
    return _form_page(
        request,
        form,
        title="新建党组织",
        back=reverse("organizations:tree"),
        back_label="组织体系",
        status=400 if form.errors else 200,
    )


def _workplace_fields(form: Any) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in forms.WorkplaceForm.Meta.fields}


@require_capability("org.change")
def workplace_create(request: HttpRequest) -> HttpResponse:
    form = forms.WorkplaceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        wp = _save(
            request,
            form,
            lambda: services.create_workplace(actor=request.user, **_workplace_fields(form)),
        )
        if wp is not None:
            messages.success(request, f"已新增企业/站点“{wp.name}”。")
            return redirect("organizations:workplace", pk=wp.pk)
    return _form_page(
        request,
        form,
        title="新增企业/站点",
        back=reverse("organizations:workplaces"),
        back_label="企业与站点",
        status=400 if form.errors else 200,
    )


@require_capability("org.change")
def workplace_edit(request: HttpRequest, pk: int) -> HttpResponse:
    wp = get_object_or_404(Workplace.objects.visible_to(request.user), pk=pk)
    form = forms.WorkplaceForm(
        request.POST or None, instance=Workplace.objects.get(pk=pk), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            request,
            form,
            lambda: services.update_workplace(
                actor=request.user, workplace=wp, **_workplace_fields(form)
            ),
        )
        if saved is not None:
            messages.success(request, "已保存。")
            return redirect("organizations:workplace", pk=wp.pk)
    return _form_page(
        request,
        form,
        title=f"编辑企业/站点：{wp.name}",
        back=reverse("organizations:workplace", args=[wp.pk]),
        back_label=wp.name,
        status=400 if form.errors else 200,
    )


@require_POST
@require_capability("org.change")
def workplace_assign_instructor(request: HttpRequest, pk: int) -> HttpResponse:
    wp = get_object_or_404(Workplace.objects.visible_to(request.user), pk=pk)
    form = forms.AssignInstructorForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "请选择有效的党建工作指导员。")
        return redirect("organizations:workplace", pk=wp.pk)
    try:
        services.assign_instructor(
            actor=request.user, workplace=wp, instructor=form.cleaned_data["instructor"]
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "已更新党建工作指导员。")
    return redirect("organizations:workplace", pk=wp.pk)


def _instructor_fields(form: Any) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in forms.InstructorForm.Meta.fields}


@require_capability("org.change")
def instructor_create(request: HttpRequest) -> HttpResponse:
    form = forms.InstructorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        inst = _save(
            request,
            form,
            lambda: services.create_instructor(actor=request.user, **_instructor_fields(form)),
        )
        if inst is not None:
            messages.success(request, f"已新增党建工作指导员“{inst.name}”。")
            return redirect("organizations:instructors")
    return _form_page(
        request,
        form,
        title="新增党建工作指导员",
        back=reverse("organizations:instructors"),
        back_label="党建工作指导员",
        status=400 if form.errors else 200,
    )


@require_capability("org.change")
def instructor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inst = get_object_or_404(Instructor.objects.visible_to(request.user), pk=pk)
    form = forms.InstructorForm(
        request.POST or None, instance=Instructor.objects.get(pk=pk), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            request,
            form,
            lambda: services.update_instructor(
                actor=request.user, instructor=inst, **_instructor_fields(form)
            ),
        )
        if saved is not None:
            messages.success(request, "已保存。")
            return redirect("organizations:instructors")
    return _form_page(
        request,
        form,
        title=f"编辑党建工作指导员：{inst.name}",
        back=reverse("organizations:instructors"),
        back_label="党建工作指导员",
        status=400 if form.errors else 200,
    )


@require_capability("org.rules")
def ruleset_edit(request: HttpRequest) -> HttpResponse:
    """ORG thresholds for one region (the user's own region by default); county admin only."""
    region_id = request.GET.get("region", "")
    visible = Region.objects.visible_to(request.user)
    if _is_pk(region_id):
        region = get_object_or_404(visible, pk=int(region_id))
    else:
        top: Region | None = request.user.scope_region or visible.order_by("path").first()
        if top is None:
            raise Http404
        region = top
    current = OrgRuleSet.objects.filter(region=region).first()
    initial = (
        None
        if current
        else {n: getattr(queries.thresholds_for(region), n) for n in Thresholds.field_names()}
    )
    form = forms.RuleSetForm(request.POST or None, instance=current, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {n: form.cleaned_data[n] for n in Thresholds.field_names()}
        saved = _save(
            request,
            form,
            lambda: services.set_ruleset(
                actor=request.user, region=region, note=form.cleaned_data["note"], **values
            ),
        )
        if saved is not None:
            messages.success(request, f"已保存{region.name}的组织设置规则参数。")
            return redirect(reverse("organizations:ruleset") + f"?region={region.pk}")
    return render(
        request,
        "organizations/ruleset.html",
        {
            "form": form,
            "region": region,
            "current": current,
            "regions": visible.order_by("path").values("pk", "name", "level"),
        },
        status=400 if form.errors else 200,
    )
