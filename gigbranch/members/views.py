"""Thin views: parse, check permission, call a service, render."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gigbranch.accounts.roles import has_capability
from gigbranch.core.figures import chosen, counted, narrowed
from gigbranch.core.permissions import can, check_can, require_can, require_capability
from gigbranch.organizations.models import Organization, Region, Workplace
from gigbranch.organizations.queries import (
    drill_region,
    transfer_letter_validities,
    transfer_letter_validity,
)

from . import consent, forms, queries, services
from .models import (
    ImportStatus,
    MemberStatus,
    ModelPost,
    PartyMember,
    PointRule,
    PoliticalStatus,
    RosterImport,
    Transfer,
    TransferStatus,
    VanguardTeam,
    Worker,
    WorkerStatus,
)
from .services import roster as roster_services


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for msgs in exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]:
        for m in msgs:
            messages.error(request, m)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for name, errs in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for e in errs:
            messages.error(request, f"{label}：{e}" if label else e)


def _is_last4(q: str) -> bool:
    return len(q) == 4 and q[:3].isdecimal() and (q[3].isdecimal() or q[3] in "xX")


# --- workers ------------------------------------------------------------------------------


@require_capability("people.view")
def workers(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    political = request.GET.get("political", "")
    workplace = request.GET.get("workplace", "").strip()
    # PIPL arts. 28–29: the political-status filter only matches workers whose status the
    # user may see, and each row says whether its status is disclosed (members.consent).
    qs = queries.search_workers(
        request.user, q=q, status=status, political=political, workplace=workplace
    )
    figure = chosen(queries.WORKER_FIGURES, request.GET.get("figure"))
    if figure is not None:
        qs = qs & figure.rows(request.user)
    within = drill_region(request.user, request.GET.get("within"))
    qs = narrowed(qs, within.path if within else None)
    qs = consent.with_political_disclosure(request.user, qs.select_related("workplace", "region"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = "&".join(
        f"{k}={v}"
        for k, v in (
            ("figure", figure.key if figure else ""),
            ("q", q),
            ("status", status),
            ("political", political),
            ("workplace", workplace),
            ("within", within.pk if within else ""),
        )
        if v
    )
    return render(
        request,
        "members/workers.html",
        {
            "within": within,
            "figure": figure,
            "figure_links": counted(queries.WORKER_FIGURES.values(), request.user),
            "page": page,
            "q": q,
            "status": status,
            "political": political,
            "workplace": workplace,
            "query": query,
            "undisclosed_label": consent.UNDISCLOSED_LABEL,
            "statuses": WorkerStatus.choices,
            "politicals": PoliticalStatus.choices,
        },
    )


def _worker_for(request: HttpRequest, pk: int) -> Worker:
    return get_object_or_404(
        Worker.objects.visible_to(request.user).select_related("workplace", "region", "platform"),
        pk=pk,
    )


@require_capability("people.view")
def worker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    worker = _worker_for(request, pk)
    member = (
        PartyMember.objects.visible_to(request.user)
        .filter(worker=worker)
        .select_related("organization", "inflow_organization")
        .first()
    )
    today = timezone.localdate()
    political_disclosed = bool(consent.disclosed_worker_ids(request.user, [worker.pk]))
    ctx: dict[str, Any] = {
        "worker": worker,
        "political_status_label": (
            worker.get_political_status_display()
            if political_disclosed
            else consent.UNDISCLOSED_LABEL
        ),
        "member": member,
        "consents": consent.current(worker),
        "history": worker.changes.select_related("actor")[:20],
        "points": worker.point_entries.all()[:20],
        "points_total": services.balance(worker),
        "can_change": has_capability(request.user, "people.change"),
        "can_reveal": has_capability(request.user, "pii.reveal"),
        "consent_form": forms.ConsentForm(),
        # Offering the mobile-member form only to party members would disclose the status.
        "is_member_status": political_disclosed
        and worker.political_status in (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY),
        "mobile_form": forms.MobileMemberForm(user=request.user, initial=_mobile_initial(member)),
    }
    if member is not None:
        ctx.update(
            {
                "events": member.events.select_related("actor")[:20],
                "assessments": member.dues_assessments.all(),
                "payments": member.dues_payments.select_related("collector")[:24],
                "arrears": services.member_arrears(member, until=today),
                "transfers": member.transfers.select_related("from_org", "to_org"),
                "model_posts": member.model_posts.all(),
                "teams": member.vanguard_teams.select_related("workplace"),
                "decision_form": forms.DecisionForm(initial={"decided_on": today}),
                "payment_form": forms.PaymentForm(
                    initial={"paid_on": today, "month": today.strftime("%Y-%m")}
                ),
                "assessment_form": forms.AssessmentForm(initial={"year": today.year}),
                "transfer_form": forms.TransferForm(initial={"requested_on": today}),
                "post_form": forms.ModelPostForm(initial={"year": today.year}),
            }
        )
    return render(request, "members/worker_detail.html", ctx)


def _mobile_initial(member: PartyMember | None) -> dict[str, Any]:
    if member is None:
        return {}
    return {
        k: getattr(member, k)
        for k in (
            "outflow_org_name",
            "outflow_org_region",
            "outflow_org_contact",
            "certificate_number",
            "certificate_issuer",
            "certificate_valid_until",
            "reported_here",
            "reported_on",
            "inflow_organization",
        )
    }


@require_capability("pii.reveal")
@require_POST
def worker_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    worker = get_object_or_404(Worker.objects.visible_to(request.user), pk=pk)
    value = services.reveal(actor=request.user, worker=worker, field=field)
    return render(request, "members/_revealed.html", {"value": value, "field": field})


def _post_action(
    request: HttpRequest, pk: int, form_class: Any, action: Any, ok: str, **form_kwargs: Any
) -> HttpResponse:
    worker = _worker_for(request, pk)
    form = form_class(request.POST, **form_kwargs)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            action(worker, form.cleaned_data)
            messages.success(request, ok)
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("members:worker_detail", pk=worker.pk)


def _member_of(request: HttpRequest, worker: Worker) -> PartyMember:
    """The worker's party member record, looked up in the user's own scope.

    A member's scope follows its organisation (organization__path), which can differ from
    the worker's workplace line: a user who sees the worker but not the member gets 404.
    """
    if not PartyMember.objects.filter(worker=worker).exists():
        raise ValidationError("该劳动者没有党员记录。")
    return get_object_or_404(PartyMember.objects.visible_to(request.user), worker=worker)


@require_capability("people.change")
@require_POST
def worker_mobile(request: HttpRequest, pk: int) -> HttpResponse:
    worker = _worker_for(request, pk)
    if not consent.disclosed_worker_ids(request.user, [worker.pk]):
        # PIPL art. 29: the same refusal whatever the roster says, so that this form cannot
        # be used to find out a political status that is not disclosed.
        messages.error(
            request,
            "登记流动党员前，请先记录本人对处理政治面貌的单独同意（个人信息保护法第二十九条）。",
        )
        return redirect("members:worker_detail", pk=worker.pk)
    return _post_action(
        request,
        pk,
        forms.MobileMemberForm,
        lambda w, d: services.record_mobile_member(actor=request.user, worker=w, **d),
        "已登记为流动党员。",
        user=request.user,
    )


@require_capability("people.change")
@require_POST
def worker_consent(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        forms.ConsentForm,
        lambda w, d: consent.record_consent(actor=request.user, worker=w, **d),
        "已记录个人信息处理同意情况。",
    )


@require_capability("people.change")
@require_POST
def member_decision(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        forms.DecisionForm,
        lambda w, d: services.decide_status(actor=request.user, member=_member_of(request, w), **d),
        "已登记支部决定。",
    )


@require_capability("people.change")
@require_POST
def member_payment(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        forms.PaymentForm,
        lambda w, d: services.record_payment(
            actor=request.user, member=_member_of(request, w), **d
        ),
        "已记录党费缴纳。",
    )


@require_capability("people.change")
@require_POST
def member_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        forms.AssessmentForm,
        lambda w, d: services.assess_dues(
            actor=request.user, member=_member_of(request, w), set_on=timezone.localdate(), **d
        ),
        "已核定年度党费。",
    )


@require_capability("people.change")
@require_POST
def member_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        forms.TransferForm,
        lambda w, d: services.request_transfer(
            actor=request.user, member=_member_of(request, w), **d
        ),
        "已提交组织关系转接申请。",
    )


@require_capability("people.change")
@require_POST
def member_model_post(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        forms.ModelPostForm,
        lambda w, d: services.create_model_post(
            actor=request.user, member=_member_of(request, w), **d
        ),
        "已设立党员示范岗。",
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
            "can_change": has_capability(request.user, "people.change"),
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
    from .policy import TRANSFER_MOVES

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
        _form_errors(request, form)
    else:
        # MOB-3: the other side's step is refused outright (the button is not shown).
        check_can(request.user, "members.transfer.move", t, form.cleaned_data["to"])
        try:
            services.move_transfer(actor=request.user, transfer=t, **form.cleaned_data)
            messages.success(request, f"已{MOVE_LABELS.get(form.cleaned_data['to'], '办理')}。")
        except ValidationError as exc:
            _errors(request, exc)
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


# --- roster import ------------------------------------------------------------------------


@require_can("members.roster_import")
def imports(request: HttpRequest) -> HttpResponse:
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > roster_services.settings.UPLOAD_MAX_BYTES:
            messages.error(request, "文件超过大小上限。")
        else:
            try:
                imp = roster_services.start_import(
                    actor=request.user,
                    platform=form.cleaned_data["platform"],
                    filename=upload.name,
                    data=upload.read(),
                )
                return redirect("members:import_mapping", pk=imp.pk)
            except ValidationError as exc:
                _errors(request, exc)
    elif request.method == "POST":
        _form_errors(request, form)
    recent = RosterImport.objects.visible_to(request.user).select_related("platform")[:20]
    return render(request, "members/imports.html", {"form": form, "recent": recent})


def _import_for(request: HttpRequest, pk: int) -> RosterImport:
    return get_object_or_404(
        RosterImport.objects.visible_to(request.user).select_related("platform"), pk=pk
    )


@require_can("members.roster_import")
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _import_for(request, pk)
    form = forms.MappingForm(
        request.POST or None,
        headers=imp.headers,
        initial_mapping=imp.mapping,
        initial={"mark_missing_left": imp.mark_missing_left},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_imp = roster_services.set_mapping(
                actor=request.user,
                roster_import=imp,
                mapping=form.mapping(),
                mark_missing_left=form.cleaned_data["mark_missing_left"],
            )
            roster_services.start_check(actor=request.user, roster_import=services_imp)
            return redirect("members:import_detail", pk=imp.pk)
        except ValidationError as exc:
            _errors(request, exc)
    return render(request, "members/import_mapping.html", {"imp": imp, "form": form})


IN_PROGRESS = (
    ImportStatus.CHECK_QUEUED,
    ImportStatus.CHECKING,
    ImportStatus.QUEUED,
    ImportStatus.RUNNING,
)


@require_can("members.roster_import")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _import_for(request, pk)
    if request.method == "POST":
        try:
            imp = roster_services.start_run(actor=request.user, roster_import=imp)
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("members:import_detail", pk=imp.pk)
    return render(
        request,
        "members/import_detail.html",
        {
            "imp": imp,
            "errors": imp.errors[:200],
            "running": imp.status in IN_PROGRESS,
        },
    )


@require_can("members.roster_import")
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _import_for(request, pk)
    resp = render(request, "members/_import_progress.html", {"imp": imp})
    if imp.status not in IN_PROGRESS:
        resp["HX-Refresh"] = "true"
    return resp


@require_can("members.roster_import")
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _import_for(request, pk)
    resp = HttpResponse(
        roster_services.error_report(imp),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = f"attachment; filename=roster-errors-{imp.pk}.xlsx"
    return resp


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


# --- vanguard teams (党员先锋队) ------------------------------------------------------------


@require_capability("people.view")
def vanguard_teams(request: HttpRequest) -> HttpResponse:
    teams = (
        VanguardTeam.objects.visible_to(request.user)
        .select_related("leader__worker", "workplace")
        .prefetch_related(
            Prefetch(
                "members",
                # Only members the user may see are named (a team's workplace can be in
                # scope while some of its members' organisations are not).
                queryset=PartyMember.objects.visible_to(request.user)
                .select_related("worker")
                .order_by("worker__name", "pk"),
                to_attr="visible_members",
            )
        )
        .annotate(size=Count("members"))
        .order_by("-year", "id")
    )
    page = Paginator(teams, 50).get_page(request.GET.get("page"))
    for team in page:
        team.hidden_count = team.size - len(team.visible_members)  # type: ignore[attr-defined]
    return render(
        request,
        "members/vanguard_teams.html",
        {"page": page, "can_change": has_capability(request.user, "people.change")},
    )


@require_capability("people.change")
def vanguard_member_search(request: HttpRequest) -> HttpResponse:
    """htmx: at most 20 members in the user's scope matching a name prefix or the last 4
    ID digits (blind index), as selectable results for the vanguard team picker."""
    limit = queries.MEMBER_PICK_LIMIT
    q = request.GET.get("q", "")[:40].strip()
    found = queries.search_members(request.user, q=q, limit=limit)
    return render(
        request,
        "members/_vanguard_member_results.html",
        {"results": found[:limit], "more": len(found) > limit, "q": q, "limit": limit},
    )


def _chosen_members(user: Any, ids: list[int]) -> list[PartyMember]:
    """The chosen members to show as chips, looked up in the user's scope (an id the user
    may not see is not shown, not even by name)."""
    found = PartyMember.objects.visible_to(user).select_related("worker").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _team_page(
    request: HttpRequest,
    form: forms.VanguardTeamForm,
    team: VanguardTeam | None,
    *,
    leader_id: int | None,
    member_ids: list[int],
    status: int = 200,
) -> HttpResponse:
    if leader_id is not None and leader_id not in member_ids:
        member_ids = [leader_id, *member_ids]
    return render(
        request,
        "members/vanguard_team_form.html",
        {
            "form": form,
            "team": team,
            "chosen": _chosen_members(request.user, member_ids),
            "hidden_count": (
                services.hidden_team_members(team, request.user).count() if team else 0
            ),
            "leader_id": leader_id,
            "limit": queries.MEMBER_PICK_LIMIT,
        },
        status=status,
    )


def _save_team(
    request: HttpRequest, form: forms.VanguardTeamForm, team: VanguardTeam | None
) -> HttpResponse:
    """POST: parse, resolve the posted ids in the user's scope, call the service. Bad input
    is 400, an id outside the user's scope 403; either way nothing changes."""
    leader_id, member_ids = form.posted_ids()
    if not form.is_valid():
        _form_errors(request, form)
        return _team_page(
            request, form, team, leader_id=leader_id, member_ids=member_ids, status=400
        )
    d = form.cleaned_data
    try:
        leader, members = services.team_members_from_ids(
            actor=request.user, leader_id=d["leader"], member_ids=d["members"]
        )
        data = {
            "name": d["name"],
            "leader": leader,
            "members": members,
            "workplace": d["workplace"],
            "year": d["year"],
        }
        if team is None:
            services.create_vanguard_team(actor=request.user, **data)
        else:
            services.update_vanguard_team(actor=request.user, team=team, **data)
    except ValidationError as exc:
        _errors(request, exc)
        status = 400
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        status = 403
    else:
        messages.success(request, "已成立党员先锋队。" if team is None else "已保存党员先锋队。")
        return redirect("members:vanguard_teams")
    return _team_page(
        request, form, team, leader_id=leader_id, member_ids=member_ids, status=status
    )


@require_capability("people.change")
def vanguard_team_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save_team(request, forms.VanguardTeamForm(request.POST, user=request.user), None)
    form = forms.VanguardTeamForm(user=request.user, initial={"year": timezone.localdate().year})
    return _team_page(request, form, None, leader_id=None, member_ids=[])


@require_capability("people.change")
def vanguard_team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(VanguardTeam.objects.visible_to(request.user), pk=pk)
    if request.method == "POST":
        return _save_team(request, forms.VanguardTeamForm(request.POST, user=request.user), team)
    initial = {"name": team.name, "workplace": team.workplace_id, "year": team.year}
    form = forms.VanguardTeamForm(user=request.user, initial=initial)
    member_ids = list(team.members.order_by("worker__name", "pk").values_list("pk", flat=True))
    return _team_page(request, form, team, leader_id=team.leader_id, member_ids=member_ids)


# --- point rules (积分规则, BURDEN-2) -------------------------------------------------------


def _home_region(user: Any) -> Region | None:
    if user.scope_region_id is not None:
        return user.scope_region
    if user.scope_organization_id is not None:
        return user.scope_organization.region
    return None


def _rule_regions(user: Any) -> Any:
    """Regions whose rules apply in or under the user's region: its ancestors (inherited
    rules) and its subtree."""
    home = _home_region(user)
    if home is None:
        return Region.objects.none()
    ancestors, r = [], home.parent
    while r is not None:
        ancestors.append(r.pk)
        r = r.parent
    return Region.objects.filter(Q(path__startswith=home.path) | Q(pk__in=ancestors))


def _editable_regions(user: Any) -> Any:
    if not has_capability(user, "points.rules") or user.scope_region_id is None:
        return Region.objects.none()
    return Region.objects.filter(path__startswith=user.scope_region.path).order_by("path")


@require_capability("people.view")
def point_rules(request: HttpRequest) -> HttpResponse:
    rules = (
        PointRule.objects.filter(region__in=_rule_regions(request.user))
        .select_related("region")
        .order_by("region__path", "event_kind")
    )
    editable = set(_editable_regions(request.user).values_list("pk", flat=True))
    return render(
        request,
        "members/point_rules.html",
        {
            "rules": rules,
            "editable": editable,
            "can_set": has_capability(request.user, "points.rules") and bool(editable),
        },
    )


@require_capability("points.rules")
def point_rule_create(request: HttpRequest) -> HttpResponse:
    regions = _editable_regions(request.user)
    form = forms.PointRuleForm(request.POST or None, regions=regions)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            if PointRule.objects.filter(region=d["region"], event_kind=d["event_kind"]).exists():
                messages.error(request, "该区域已有此事项的积分规则，请在列表中修改。")
            else:
                try:
                    services.set_point_rule(
                        actor=request.user,
                        region=d["region"],
                        event_kind=d["event_kind"],
                        points=d["points"],
                        cap=d["cap"],
                        period=d["period"],
                    )
                except ValidationError as exc:
                    _errors(request, exc)
                else:
                    messages.success(request, "已新增积分规则。")
                    return redirect("members:point_rules")
        else:
            _form_errors(request, form)
    return render(request, "members/point_rule_form.html", {"form": form, "rule": None})


@require_capability("points.rules")
def point_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(
        PointRule.objects.filter(region__in=_editable_regions(request.user)).select_related(
            "region"
        ),
        pk=pk,
    )
    form = forms.PointRuleEditForm(
        request.POST or None,
        initial={
            "points": rule.points,
            "cap": rule.cap,
            "period": rule.period,
            "active": rule.active,
        },
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_point_rule(actor=request.user, rule=rule, **form.cleaned_data)
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, "已保存积分规则。")
                return redirect("members:point_rules")
        else:
            _form_errors(request, form)
    return render(request, "members/point_rule_form.html", {"form": form, "rule": rule})
