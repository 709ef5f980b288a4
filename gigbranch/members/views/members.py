"""People pages: Party members, membership transfers, the dues ledger and honours."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gigbranch.core.figures import chosen, counted, narrowed
from gigbranch.core.permissions import can, check_can, require_capability
from gigbranch.core.viewhelpers import message_errors, message_form_errors
from gigbranch.organizations.models import Organization, Workplace
from gigbranch.organizations.queries import (
    drill_region,
    transfer_letter_validities,
    transfer_letter_validity,
)

from .. import forms, queries, services
from ..models import (
    MemberStatus,
    ModelPost,
    PartyMember,
    Transfer,
    TransferStatus,
    VanguardTeam,
)

# --- members, transfers, dues ledger, honours ---------------------------------------------


@require_capability("people.view")
def members(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    mobile = request.GET.get("mobile", "")
    q = request.GET.get("q", "").strip()
    figure = chosen(queries.MEMBER_FIGURES, request.GET.get("figure"))
    base = figure.rows(request.user) if figure else PartyMember.objects.visible_to(request.user)
    within = drill_region(request.user, request.GET.get("within"))
    qs = narrowed(base, within.path if within else None)
    qs = qs.select_related("worker", "organization", "worker__workplace")
    if status:
        qs = qs.filter(status=status)
    if mobile == "1":
        qs = qs.filter(is_mobile=True)
    if q:
        qs = qs.filter(worker__in=queries.search_workers(request.user, q=q))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = "&".join(
        f"{k}={v}"
        for k, v in (
            ("figure", figure.key if figure else ""),
            ("q", q),
            ("status", status),
            ("mobile", mobile),
            ("within", within.pk if within else ""),
        )
        if v
    )
    return render(
        request,
        "members/members.html",
        {
            "within": within,
            "figure": figure,
            "figure_links": counted(queries.MEMBER_FIGURES.values(), request.user),
            "page": page,
            "status": status,
            "mobile": mobile,
            "q": q,
            "query": query,
            "statuses": MemberStatus.choices,
        },
    )


@require_capability("people.view")
def transfers(request: HttpRequest) -> HttpResponse:
    qs = Transfer.objects.visible_to(request.user).select_related(
        "member__worker", "from_org", "to_org"
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    # MOB-3: where a letter is still to be issued, show how long it will be valid and whose
    # setting that is (one query for the whole page).
    to_issue = [t for t in page if t.status == TransferStatus.REQUESTED]
    validities = transfer_letter_validities(o for t in to_issue if (o := t.from_org) is not None)
    default = transfer_letter_validity(None)
    rows = []
    for t in page:
        validity = None
        if t in to_issue:
            validity = validities.get(t.from_org_id, default) if t.from_org_id else default
        rows.append({"t": t, "moves": _moves_for(request.user, t), "validity": validity})
    return render(
        request,
        "members/transfers.html",
        {
            "page": page,
            "rows": rows,
            "can_change": can(request.user, "members.change"),
            "today": timezone.localdate(),
        },
    )


MOVE_LABELS = {
    "approved": "审批并开具介绍信",
    "accepted": "接收",
    "completed": "办结",
    "rejected": "退回",
    "cancelled": "撤销",
}


def _moves_for(user: Any, t: Transfer) -> list[tuple[str, str]]:
    """The next steps of `t` that `user` may take (MOB-3): the same rule `transfer_move`
    checks, so no button leads to a refusal."""
    from ..policy import TRANSFER_MOVES

    return [
        (m, MOVE_LABELS[m])
        for m in ("approved", "accepted", "completed", "rejected", "cancelled")
        if m in TRANSFER_MOVES[t.status] and can(user, "members.transfer.move", t, m)
    ]


@require_capability("people.change")
@require_POST
def transfer_move(request: HttpRequest, pk: int) -> HttpResponse:
    t = get_object_or_404(Transfer.objects.visible_to(request.user), pk=pk)
    form = forms.TransferMoveForm(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
    else:
        # MOB-3: the other side's step is refused outright (the button is not shown).
        check_can(request.user, "members.transfer.move", t, form.cleaned_data["to"])
        try:
            services.move_transfer(actor=request.user, transfer=t, **form.cleaned_data)
            messages.success(request, f"已{MOVE_LABELS.get(form.cleaned_data['to'], '办理')}。")
        except ValidationError as exc:
            message_errors(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    return redirect("members:transfers")


def _ledger_year(raw: str | None) -> int:
    """The ledger year from the query string: current year if absent or not a number,
    clamped to 2000–2100."""
    try:
        year = int(raw) if raw and raw.strip().isdecimal() else timezone.localdate().year
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


@require_capability("people.view")
def dues_ledger(request: HttpRequest) -> HttpResponse:
    year = _ledger_year(request.GET.get("year"))
    org_id = request.GET.get("org") or ""
    if not org_id.isdecimal():
        org_id = ""
    branches = Organization.objects.visible_to(request.user).branches()
    org = get_object_or_404(branches, pk=org_id) if org_id else None
    members = queries.dues_ledger_members(request.user, year=year, organization=org)
    if request.GET.get("format") == "xlsx":
        rows = queries.dues_ledger_rows(members, year=year)
        data = queries.dues_ledger_xlsx(rows, year=year, organization=org)
        resp = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        resp["Content-Disposition"] = f"attachment; filename=dues-ledger-{year}.xlsx"
        return resp
    # Only the members of the page are read and computed (a constant number of queries).
    page = Paginator(members, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "members/dues_ledger.html",
        {
            "page": page,
            "rows": queries.dues_ledger_rows(page, year=year),
            "year": year,
            "org": org,
            "branches": branches[:500],
            "query": f"year={year}" + (f"&org={org.pk}" if org else ""),
        },
    )


@require_capability("people.view")
def honours(request: HttpRequest) -> HttpResponse:
    posts = ModelPost.objects.visible_to(request.user).select_related("member__worker__workplace")
    teams = VanguardTeam.objects.visible_to(request.user).select_related(
        "leader__worker", "workplace"
    )
    return render(request, "members/honours.html", {"posts": posts[:200], "teams": teams[:200]})


@require_capability("people.view")
def workplace_honours(request: HttpRequest, pk: int) -> HttpResponse:
    """Honours of one workplace (linked from the workplace pages)."""
    wp = get_object_or_404(Workplace.objects.visible_to(request.user), pk=pk)
    posts = (
        ModelPost.objects.visible_to(request.user)
        .filter(member__worker__workplace=wp)
        .select_related("member__worker")
    )
    teams = (
        VanguardTeam.objects.visible_to(request.user)
        .filter(workplace=wp)
        .select_related("leader__worker")
    )
    return render(
        request, "members/honours.html", {"posts": posts, "teams": teams, "workplace": wp}
    )
