"""Network pages: the 1+X+N tree, an organisation's page and the actions taken from it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from gigbranch.core.figures import chosen, counted, narrowed
from gigbranch.core.models import AuditEvent, Finding
from gigbranch.core.permissions import can, require_capability

from .. import forms, queries, services
from ..forms import CommitteeMemberForm, MoveForm, OrganizationForm
from ..headcounts import people
from ..models import (
    CommitteeMember,
    Organization,
    OrgKind,
)


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
                "rows": rows,
                "q": q,
                "page": page,
                "searching": True,
                "within": within,
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
            "can_change": can(request.user, "organizations.change"),
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
        full=Count("pk", filter=people().full_member_q()),
        total=Count("pk", filter=Q(status__in=queries.IN_STANDING)),
    )
    move_form = None
    if can(request.user, "organizations.change"):
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
        "can_reveal": can(request.user, "organizations.reveal"),
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
