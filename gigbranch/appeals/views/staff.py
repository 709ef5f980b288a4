"""Staff console: the appeal list, one appeal with its actions, photos."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gigbranch.core import actors
from gigbranch.core.figures import chosen, counted, narrowed
from gigbranch.core.paging import CappedCountPaginator
from gigbranch.core.permissions import can, require_capability
from gigbranch.organizations.queries import drill_region

from .. import forms, queries, rules, services
from ..models import Appeal, AppealPhoto, AppealQuerySet
from .routing import route_departments

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
            "can_intake": can(request.user, "appeals.intake"),
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
    can_handle = can(request.user, "appeals.handle", appeal)
    reroute_form = forms.RerouteForm()
    reroute_form.fields["department"].queryset = route_departments(request.user)  # type: ignore[attr-defined]
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
            "can_route": can(request.user, "appeals.route", appeal),
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
            services.accept(actor=actors.of(request), appeal=appeal)
        elif action == "return":
            services.return_appeal(
                actor=actors.of(request), appeal=appeal, reason=post.get("reason", "")
            )
        elif action == "extend":
            services.request_extension(
                actor=actors.of(request), appeal=appeal, reason=post.get("reason", "")
            )
        elif action == "reply":
            services.reply(actor=actors.of(request), appeal=appeal, text=post.get("text", ""))
        elif action == "reroute":
            dept_id = (post.get("department") or "").strip()
            if dept_id and not dept_id.isdecimal():
                raise Http404
            dept = (
                get_object_or_404(route_departments(request.user), pk=int(dept_id))
                if dept_id
                else None
            )
            services.reroute(
                actor=actors.of(request),
                appeal=appeal,
                department=dept,
                reason=post.get("reason", ""),
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


@require_capability("appeals.view")
def photo(request: HttpRequest, pk: int) -> FileResponse:
    item = get_object_or_404(AppealPhoto, pk=pk)
    get_object_or_404(Appeal.objects.visible_to(request.user), pk=item.appeal_id)
    return FileResponse(item.file.open("rb"), content_type=item.content_type)
