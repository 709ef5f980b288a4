"""Appeal pages: staff console (list, detail, actions, intake, KPIs), worker portal, SMS outbox."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gigbranch.accounts.roles import has_capability
from gigbranch.core import ratelimit
from gigbranch.core.figures import chosen, counted, narrowed
from gigbranch.core.paging import CappedCountPaginator
from gigbranch.core.permissions import require_capability
from gigbranch.core.xlsx import xlsx_bytes
from gigbranch.organizations.models import Department, Region, Workplace
from gigbranch.organizations.queries import drill_region

from . import forms, formtoken, queries, rules, services
from .models import (
    Appeal,
    AppealPhoto,
    AppealQuerySet,
    Channel,
    Notification,
    RoutingRule,
    SmsMessage,
)

# --- staff --------------------------------------------------------------------------------

# The staff list counts its rows only this many pages past the one shown (core.paging).
LIST_PAGES_AHEAD = 40
# What a list row shows and the overdue mark needs: the contact mobile (decrypted on load),
# the description and the reply stay in the database.
LIST_FIELDS = (
    "tracking_no",
    "status",
    "received_at",
    "accept_due_at",
    "accepted_at",
    "reply_due_at",
    "replied_at",
    "resolved",
    "satisfaction",
    "category__name",
    "department__name",
    "region__name",
)


def _staff_filters(request: HttpRequest) -> dict[str, str]:
    return {
        k: request.GET.get(k, "").strip()
        for k in ("status", "month", "department", "region", "metric", "q")
    }


@require_capability("appeals.view")
def appeal_list(request: HttpRequest) -> HttpResponse:
    f = _staff_filters(request)
    figure = chosen(queries.APPEAL_FIGURES, request.GET.get("figure"))
    qs = (
        cast(AppealQuerySet, figure.rows(request.user))
        if figure
        else Appeal.objects.visible_to(request.user)
    )
    within = drill_region(request.user, request.GET.get("within"))
    qs = cast(AppealQuerySet, narrowed(qs, within.path if within else None))
    try:
        qs = queries.filtered(qs, month=f["month"], department=f["department"], region=f["region"])
    except (ValueError, TypeError):
        qs = qs.none()
    if f["status"] in dict(rules.Status.CHOICES):
        qs = qs.filter(status=f["status"])
    if f["q"]:
        qs = qs.filter(Q(tracking_no__icontains=f["q"]) | Q(description__icontains=f["q"]))
    if f["metric"]:
        qs = queries.drill_down(qs, f["metric"])
    qs = qs.select_related("category", "department", "region").only(*LIST_FIELDS)
    number = request.GET.get("page")
    if figure or within or any(f[k] for k in ("month", "department", "region", "metric")):
        # A drill-down from a home-page figure or the KPI table: its total must match that
        # figure exactly.
        page = Paginator(qs, 25).get_page(number)
    else:
        page = CappedCountPaginator(qs, 25, page=number, ahead=LIST_PAGES_AHEAD).get_page(number)
    now = timezone.now()
    overdue = queries.overdue_ids(page.object_list, now)
    return render(
        request,
        "appeals/list.html",
        {
            "page": page,
            "f": f,
            "statuses": rules.Status.CHOICES,
            "overdue": overdue,
            "figure": figure,
            "figure_links": counted(queries.APPEAL_FIGURES.values(), request.user),
            "query": "&".join(
                f"{k}={v}"
                for k, v in [
                    ("figure", figure.key if figure else ""),
                    *f.items(),
                    ("within", within.pk if within else ""),
                ]
                if v and k != "q"
            ),
            "within": within,
            "metric_label": rules.METRIC_LABELS.get(f["metric"], ""),
            "can_intake": has_capability(request.user, "appeals.intake"),
        },
    )


@require_capability("appeals.view")
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(
        Appeal.objects.visible_to(request.user).select_related(
            "category", "department", "region", "worker", "workplace"
        ),
        pk=pk,
    )
    can_handle = services.can_handle(request.user, appeal)
    reroute_form = forms.RerouteForm()
    reroute_form.fields["department"].queryset = _route_departments(request.user)  # type: ignore[attr-defined]
    return render(
        request,
        "appeals/detail.html",
        {
            "appeal": appeal,
            "events": appeal.events.select_related("actor"),
            "photos": appeal.photos.all(),
            "can_handle": can_handle,
            # The 办理 card shows only when an action is left (none after the reply).
            "handle_actions": rules.handler_actions(
                appeal.status,
                extension_used=appeal.extension_used,
                return_used=appeal.return_used,
            )
            if can_handle
            else [],
            "can_route": services.can_route(request.user, appeal),
            "reason_form": forms.ReasonForm(),
            "reply_form": forms.ReplyForm(),
            "reroute_form": reroute_form,
            "overdue": appeal.pk in queries.overdue_ids([appeal], timezone.now()),
            "phase": rules.sla_phase(timezone.now(), appeal.clock_started_at, appeal.reply_due_at)
            if appeal.is_open
            else "",
        },
    )


@require_POST
@require_capability("appeals.view")
def appeal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.visible_to(request.user), pk=pk)
    post = request.POST
    try:
        if action == "accept":
            services.accept(actor=request.user, appeal=appeal)
        elif action == "return":
            services.return_appeal(actor=request.user, appeal=appeal, reason=post.get("reason", ""))
        elif action == "extend":
            services.request_extension(
                actor=request.user, appeal=appeal, reason=post.get("reason", "")
            )
        elif action == "reply":
            services.reply(actor=request.user, appeal=appeal, text=post.get("text", ""))
        elif action == "reroute":
            dept_id = (post.get("department") or "").strip()
            if dept_id and not dept_id.isdecimal():
                raise Http404
            dept = (
                get_object_or_404(_route_departments(request.user), pk=int(dept_id))
                if dept_id
                else None
            )
            services.reroute(
                actor=request.user, appeal=appeal, department=dept, reason=post.get("reason", "")
            )
        else:
            raise PermissionDenied("未知操作。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except rules.TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已{rules.ACTION_LABELS.get(action, action)}。")
    return redirect("appeals:detail", pk=appeal.pk)


ALREADY_SUBMITTED = "该诉求已提交，编号{tracking_no}，再次提交不会重复登记。"


def _already_submitted(request: HttpRequest, appeal: Appeal) -> None:
    messages.info(request, ALREADY_SUBMITTED.format(tracking_no=appeal.tracking_no))


def _form_token(
    request: HttpRequest, channel: str
) -> HttpResponse | tuple[str, str | None, Appeal | None]:
    """The one-time token of an appeal form (formtoken.py, APL-5).

    GET: the token in the URL (or a redirect that puts a fresh one there). POST: the posted
    one. Returns (token, idempotency key or None when the token is not valid, the appeal an
    earlier submission with this token created, if any).
    """
    if request.method == "POST":
        token = formtoken.posted(request)
    else:
        from_url = formtoken.from_url(request)
        if isinstance(from_url, HttpResponse):
            return from_url
        token = from_url
    key = formtoken.idempotency_key(channel=channel, user=request.user, token=token)
    return token, key, queries.submitted_with_key(key)


@require_capability("appeals.intake")
@ratelimit.limited("appeal_intake.account")
def intake(request: HttpRequest) -> HttpResponse:
    """Hotline staff enter an appeal taken by phone.

    Submitting the same form again (e.g. after the browser's Back button) shows the appeal
    already registered and creates nothing (APL-5).
    """
    state = _form_token(request, Channel.HOTLINE)
    if isinstance(state, HttpResponse):
        return state
    token, key, done = state
    if done is not None and request.method == "POST":
        _already_submitted(request, done)
        return redirect("appeals:detail", pk=done.pk)
    form = forms.IntakeForm(request.POST or None)
    form.fields["region"].queryset = (  # type: ignore[attr-defined]
        Region.objects.visible_to(request.user).filter(parent__isnull=False)
        if request.user.scope_region_id
        else Region.objects.none()
    )
    if request.method == "POST" and key is None:
        # Missing, forged or expired token: nothing was submitted; the form gets a new one.
        form.add_error(None, formtoken.EXPIRED_MESSAGE)
        token = formtoken.issue()
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            sub = services.submit_appeal(
                actor=request.user,
                category=d["category"],
                description=d["description"],
                channel=Channel.HOTLINE,
                region=d["region"],
                contact_name=d["contact_name"],
                contact_mobile=d["contact_mobile"],
                anonymous=d["anonymous"],
                address=d["address"],
                priority=d["priority"] or None,
                idempotency_key=key,
            )
        except ValidationError as exc:
            for field, errs in _error_dict(exc).items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            if sub.created:
                messages.success(request, f"已登记，受理编号{sub.appeal.tracking_no}。")
            else:
                _already_submitted(request, sub.appeal)
            return redirect("appeals:detail", pk=sub.appeal.pk)
    return render(
        request,
        "appeals/intake.html",
        {"form": form, "form_token": token, "submitted": done},
    )


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    """Field errors of a ValidationError; one raised without fields goes to __all__."""
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _route_departments(user: Any) -> Any:
    """Departments a county administrator may route to: those in their region subtree."""
    if not user.scope_region_id:
        return Department.objects.none()
    return Department.objects.filter(region__path__startswith=user.scope_region.path)


def _visible_rules(user: Any) -> Any:
    """County-wide rules plus rules for regions inside the user's scope."""
    if not user.scope_region_id:
        return RoutingRule.objects.filter(region__isnull=True)
    return RoutingRule.objects.filter(
        Q(region__isnull=True) | Q(region__path__startswith=user.scope_region.path)
    )


@require_capability("appeals.route")
def routing_rules(request: HttpRequest) -> HttpResponse:
    """County administrators create and change routing rules (category × region → department)."""
    user: Any = request.user
    regions = (
        Region.objects.visible_to(user).filter(parent__isnull=False)
        if user.scope_region_id
        else Region.objects.none()
    )
    departments = _route_departments(user)
    initial: dict[str, Any] = {}
    if request.method == "GET" and request.GET.get("edit"):
        edit = request.GET["edit"].strip()
        if not edit.isdecimal():
            raise Http404
        rule = get_object_or_404(_visible_rules(user), pk=int(edit))
        initial = {"category": rule.category, "region": rule.region, "department": rule.department}
    form = forms.RoutingRuleForm(request.POST or None, initial=initial)
    form.fields["region"].queryset = regions  # type: ignore[attr-defined]
    form.fields["department"].queryset = departments  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.set_routing_rule(
                actor=user, category=d["category"], region=d["region"], department=d["department"]
            )
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
        else:
            scope = d["region"].name if d["region"] else "全县"
            messages.success(
                request, f"已保存：{d['category'].name} × {scope} → {d['department'].name}。"
            )
            return redirect("appeals:routing")
    rules_qs = (
        _visible_rules(user)
        .select_related("category", "region", "department")
        .order_by("category__position", "category__id", "region__path")
    )
    return render(request, "appeals/routing.html", {"form": form, "rules": rules_qs})


@require_capability("appeals.view")
def photo(request: HttpRequest, pk: int) -> FileResponse:
    item = get_object_or_404(AppealPhoto, pk=pk)
    get_object_or_404(Appeal.objects.visible_to(request.user), pk=item.appeal_id)
    return FileResponse(item.file.open("rb"), content_type=item.content_type)


def _kpi_context(request: HttpRequest) -> dict[str, Any]:
    by = "region" if request.GET.get("by") == "region" else "department"
    month = request.GET.get("month", "").strip()
    try:
        month = f"{queries.month_bounds(month)[0]:%Y-%m}" if month else ""
    except (ValueError, TypeError):
        month = ""
    now = timezone.now()
    # One aggregate query per page (issue 17: 5.3 s cold at county scale when the appeals
    # were read three times and counted in Python).
    months = queries.last_months(now)
    cells = queries.kpi_cells(
        Appeal.objects.visible_to(request.user), by=by, months=[*months, month], now=now
    )
    chosen = queries.in_month(cells, month)
    return {
        "by": by,
        "month": month,
        "rows": queries.kpi_table(chosen),
        "total": queries.kpi_total(chosen),
        "trend": queries.trend(cells, months),
        "months": months,
    }


@require_capability("appeals.kpi")
def kpi(request: HttpRequest) -> HttpResponse:
    return render(request, "appeals/kpi.html", _kpi_context(request))


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


@require_capability("appeals.kpi")
def kpi_export(request: HttpRequest) -> HttpResponse:
    ctx = _kpi_context(request)
    headers = [
        "排名",
        "名称",
        "受理总量",
        "按时响应",
        "响应率",
        "已评价",
        "已解决",
        "解决率",
        "满意",
        "满意率",
        "平均办理时长（小时）",
        "超期件数",
    ]
    rows = [
        [
            r["rank"],
            r["name"],
            r["received"],
            r["responded"],
            _pct(r["response_rate"]),
            r["rated"],
            r["resolved"],
            _pct(r["resolution_rate"]),
            r["satisfied"],
            _pct(r["satisfaction_rate"]),
            r["avg_handling_hours"],
            r["overdue"],
        ]
        for r in ctx["rows"]
    ]
    by = "区域" if ctx["by"] == "region" else "承办部门"
    data = xlsx_bytes(
        "诉求办理考核",
        headers,
        rows,
        heading=f"诉求办理情况（{ctx['month'] or '全部月份'}，按{by}）",
    )
    resp = HttpResponse(
        data,
        content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )
    resp["Content-Disposition"] = 'attachment; filename="appeal-kpi.xlsx"'
    return resp


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
        services.mark_notifications_read(actor=request.user)
        return redirect("appeals:notifications")
    template = (
        "appeals/portal_notifications.html"
        if request.user.role == "worker"
        else ("appeals/notifications.html")
    )
    return render(request, template, {"items": items})


# --- worker portal ------------------------------------------------------------------------


def _nearest_township(lat: Decimal, lng: Decimal) -> Region | None:
    best, best_d = None, None
    for r in Region.objects.filter(parent__isnull=False, latitude__isnull=False):
        d = (float(r.latitude) - float(lat)) ** 2 + (float(r.longitude) - float(lng)) ** 2  # type: ignore[arg-type]
        if best_d is None or d < best_d:
            best, best_d = r, d
    return best


def _portal_workplaces(worker: Any) -> Any:
    if worker is None:
        return Workplace.objects.none()
    return Workplace.objects.filter(
        Q(pk=worker.workplace_id) | Q(region_id=worker.region_id)
    ).order_by("name")[:200]


@require_capability("appeals.submit")
@ratelimit.limited("appeal_intake.account", "appeal_intake.ip")
def portal_new(request: HttpRequest) -> HttpResponse:
    """A worker raises an appeal; submitting the same form again creates nothing (APL-5)."""
    state = _form_token(request, Channel.PORTAL)
    if isinstance(state, HttpResponse):
        return state
    token, key, done = state
    if done is not None and request.method == "POST":
        _already_submitted(request, done)
        return redirect("appeals:portal_detail", tracking_no=done.tracking_no)
    worker = request.user.worker
    workplaces = _portal_workplaces(worker)
    wp_qs = Workplace.objects.filter(pk__in=[w.pk for w in workplaces])
    if request.method == "POST":
        form = forms.PortalAppealForm(request.POST, workplaces=wp_qs)
    else:
        initial: dict[str, Any] = {}
        if worker is not None and worker.workplace_id:
            initial["workplace"] = worker.workplace_id
        form = forms.PortalAppealForm(initial=initial, workplaces=wp_qs)
    if request.method == "POST" and key is None:
        # Missing, forged or expired token: nothing was submitted; the form gets a new one.
        form.add_error(None, formtoken.EXPIRED_MESSAGE)
        token = formtoken.issue()
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = None
        if d["workplace"] is None and d["latitude"] is not None and d["longitude"] is not None:
            region = _nearest_township(d["latitude"], d["longitude"])
        try:
            sub = services.submit_appeal(
                actor=request.user,
                category=d["category"],
                description=d["description"],
                channel=Channel.PORTAL,
                worker=worker,
                workplace=d["workplace"],
                region=region,
                anonymous=d["anonymous"],
                contact_mobile=d["contact_mobile"],
                address=d["address"],
                latitude=d["latitude"],
                longitude=d["longitude"],
                photos=request.FILES.getlist("photos"),
                idempotency_key=key,
            )
        except ValidationError as exc:
            for field, errs in _error_dict(exc).items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            if not sub.created:
                _already_submitted(request, sub.appeal)
            return redirect("appeals:portal_detail", tracking_no=sub.appeal.tracking_no)
    return render(
        request,
        "appeals/portal_new.html",
        {"form": form, "form_token": token, "submitted": done},
    )


@require_capability("appeals.submit")
def portal_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A worker sees the photos attached to their own appeal (anyone else: 404)."""
    worker_id = getattr(request.user, "worker_id", None)
    if worker_id is None:
        raise Http404
    item = get_object_or_404(AppealPhoto, pk=pk, appeal__worker_id=worker_id)
    return FileResponse(item.file.open("rb"), content_type=item.content_type)


@require_capability("appeals.submit")
def portal_list(request: HttpRequest) -> HttpResponse:
    appeals = Appeal.objects.visible_to(request.user).select_related("category")[:100]
    return render(request, "appeals/portal_list.html", {"appeals": appeals})


@require_capability("appeals.submit")
def portal_detail(request: HttpRequest, tracking_no: str) -> HttpResponse:
    appeal = get_object_or_404(
        Appeal.objects.visible_to(request.user).select_related("category"), tracking_no=tracking_no
    )
    form = forms.RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rate(
                actor=request.user,
                appeal=appeal,
                resolved=form.cleaned_data["resolved"],
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except rules.TransitionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "感谢您的评价。")
        return redirect("appeals:portal_detail", tracking_no=appeal.tracking_no)
    timeline = [e for e in appeal.events.all() if e.public_text]
    return render(
        request,
        "appeals/portal_detail.html",
        {
            "appeal": appeal,
            "timeline": timeline,
            "form": form,
            "can_rate": appeal.status == rules.Status.REPLIED,
            "photos": appeal.photos.all(),
        },
    )
