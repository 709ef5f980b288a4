"""Staff pages: stations (maintenance, usage, QR poster, Excel import), service providers
and their schedules, study materials. Thin views over services and queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gigbranch.accounts.roles import has_capability
from gigbranch.core.figures import chosen, counted, narrowed
from gigbranch.core.permissions import require_can, require_capability
from gigbranch.core.viewhelpers import add_service_errors
from gigbranch.organizations.queries import drill_region

from . import imports, queries, services
from .forms import ArticleForm, ClosureForm, ImportForm, SlotPublishForm, StationForm
from .models import Article, Booking, BookingStatus, ServiceProvider, Slot, Station, StationClosure

# --- Stations -------------------------------------------------------------------------------


@require_capability("stations.view")
def station_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    figure = chosen(queries.STATION_FIGURES, request.GET.get("figure"))
    base = figure.rows(request.user) if figure else Station.objects.visible_to(request.user)
    within = drill_region(request.user, request.GET.get("within"))
    qs = narrowed(base, within.path if within else None).select_related("region")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q))
    page = Paginator(qs.prefetch_related("amenities", "hours"), 50).get_page(
        request.GET.get("page")
    )
    usage = queries.usage([s.pk for s in page.object_list])
    rows = [(s, usage.get(s.pk, 0)) for s in page.object_list]
    return render(
        request,
        "stations/list.html",
        {
            "figure": figure,
            "figure_links": counted(queries.STATION_FIGURES.values(), request.user),
            "within": within,
            "query": "&".join(
                f"{k}={v}"
                for k, v in (
                    ("figure", figure.key if figure else ""),
                    ("q", q),
                    ("within", within.pk if within else ""),
                )
                if v
            ),
            "page": page,
            "rows": rows,
            "q": q,
            "can_manage": has_capability(request.user, "stations.manage"),
        },
    )


@require_capability("stations.manage")
def station_create(request: HttpRequest) -> HttpResponse:
    form = StationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        amenities, hours = data.pop("amenities"), data.pop("hours")
        try:
            station = services.create_station(
                actor=request.user, amenities=amenities, hours=hours, **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已新增站点“{station.name}”。")
            return redirect("stations:detail", pk=station.pk)
    return render(
        request,
        "stations/form.html",
        {"form": form, "title": "新增服务站点", "back": reverse("stations:list")},
    )


@require_capability("stations.view")
def station_detail(request: HttpRequest, pk: int) -> HttpResponse:
    station = get_object_or_404(
        queries.with_schedule(Station.objects.visible_to(request.user)).select_related("region"),
        pk=pk,
    )
    counts = services.busy_hours(station)
    now_local = timezone.localtime().replace(tzinfo=None)
    sched = queries.schedules_for([station], now_local)[station.pk]
    return render(
        request,
        "stations/detail.html",
        {
            "station": station,
            "status": queries.rules.status_text(sched, now_local),
            "bars": list(zip(range(24), counts, queries.bar_classes(counts), strict=True)),
            "total_30": queries.usage([station.pk]).get(station.pk, 0),
            "closure_form": ClosureForm(),
            "can_manage": has_capability(request.user, "stations.manage"),
            "checkin_url": request.build_absolute_uri(
                reverse("portal:checkin", args=[station.qr_token])
            ),
        },
    )


@require_capability("stations.manage")
def station_edit(request: HttpRequest, pk: int) -> HttpResponse:
    station = get_object_or_404(Station.objects.visible_to(request.user), pk=pk)
    form = StationForm(request.POST or None, instance=station, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        amenities, hours = data.pop("amenities"), data.pop("hours")
        try:
            services.update_station(
                actor=request.user,
                station=Station.objects.get(pk=pk),
                amenities=amenities,
                hours=hours,
                **data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "站点信息已保存。")
            return redirect("stations:detail", pk=pk)
    return render(
        request,
        "stations/form.html",
        {
            "form": form,
            "title": f"编辑：{station.name}",
            "back": reverse("stations:detail", args=[pk]),
        },
    )


@require_capability("stations.manage")
@require_POST
def closure_add(request: HttpRequest, pk: int) -> HttpResponse:
    station = get_object_or_404(Station.objects.visible_to(request.user), pk=pk)
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            services.add_closure(actor=request.user, station=station, **form.cleaned_data)
            messages.success(request, "已添加闭站安排。")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, "请填写正确的闭站日期。")
    return redirect("stations:detail", pk=pk)


@require_capability("stations.manage")
@require_POST
def closure_remove(request: HttpRequest, pk: int, closure_pk: int) -> HttpResponse:
    station = get_object_or_404(Station.objects.visible_to(request.user), pk=pk)
    closure = get_object_or_404(StationClosure, pk=closure_pk, station=station)
    services.remove_closure(actor=request.user, closure=closure)
    messages.success(request, "已删除闭站安排。")
    return redirect("stations:detail", pk=pk)


@require_capability("stations.manage")
@require_POST
def qr_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    station = get_object_or_404(Station.objects.visible_to(request.user), pk=pk)
    services.regenerate_qr(actor=request.user, station=station)
    messages.success(request, "二维码已更换，旧海报上的二维码已失效，请重新打印。")
    return redirect("stations:detail", pk=pk)


def qr_svg(url: str, scale: int = 10) -> str:
    import segno

    return segno.make(url, error="m").svg_inline(scale=scale, dark="#000", light="#fff")


@require_capability("stations.view")
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    station = get_object_or_404(
        queries.with_schedule(Station.objects.visible_to(request.user)), pk=pk
    )
    url = request.build_absolute_uri(reverse("portal:checkin", args=[station.qr_token]))
    return render(
        request, "stations/poster.html", {"station": station, "qr": qr_svg(url), "url": url}
    )


@require_can("stations.import")
def station_import(request: HttpRequest) -> HttpResponse:
    """Upload → dry run report → confirm (the file is kept server-side between the two,
    encrypted: gigbranch/core/stash.py)."""
    from gigbranch.core import stash

    if request.GET.get("template"):
        response = HttpResponse(
            imports.template_workbook(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="stations-template.xlsx"'
        return response
    report = None
    token = ""
    if request.method == "POST" and request.POST.get("confirm") == "1":
        token = request.session.get("station_import", "")
        data = (
            stash.get(token, purpose="station_import", owner_id=request.user.pk)
            if token and token == request.POST.get("token")
            else None
        )
        if data is None:
            messages.error(request, "导入文件已过期，请重新上传。")
            return redirect("stations:import")
        try:
            report = imports.apply_import(actor=request.user, data=data, dry_run=False)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            if report.ok:
                stash.discard(token)
                request.session.pop("station_import", None)
                messages.success(
                    request,
                    f"导入完成：新增{report.created}个，更新{report.updated}个，"
                    f"未变化{report.unchanged}个。",
                )
                return redirect("stations:list")
        form = ImportForm()
    else:
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = request.FILES["file"]
            if (upload.size or 0) > settings_upload_max():
                form.add_error("file", "文件过大。")
            else:
                data = upload.read()
                report = imports.apply_import(actor=request.user, data=data, dry_run=True)
                if report.ok:
                    token = stash.put(data, purpose="station_import", owner_id=request.user.pk)
                    request.session["station_import"] = token
    return render(request, "stations/import.html", {"form": form, "report": report, "token": token})


def settings_upload_max() -> int:
    from django.conf import settings

    return int(settings.UPLOAD_MAX_BYTES)


# --- Service providers and schedules ----------------------------------------------------------


def _providers_for(user: Any) -> Any:
    qs = ServiceProvider.objects.none()
    if has_capability(user, "appointments.manage"):
        qs = ServiceProvider.objects.visible_to(user)
    if has_capability(user, "appointments.provide"):
        qs = qs | ServiceProvider.objects.filter(staff=user)
    return qs.distinct()


def _require_appointments(user: Any) -> None:
    if not (
        has_capability(user, "appointments.manage") or has_capability(user, "appointments.provide")
    ):
        raise PermissionDenied("您的角色无权查看预约服务。")


@require_capability("console.view")
def provider_list(request: HttpRequest) -> HttpResponse:
    _require_appointments(request.user)
    providers = _providers_for(request.user).annotate(
        upcoming=Count(
            "slots__bookings",
            filter=Q(
                slots__bookings__status=BookingStatus.BOOKED, slots__starts_at__gte=timezone.now()
            ),
        )
    )
    return render(request, "stations/providers.html", {"providers": providers})


@require_capability("console.view")
def provider_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    _require_appointments(request.user)
    provider = get_object_or_404(_providers_for(request.user), pk=pk)
    form = SlotPublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_slots(
                actor=request.user, provider=provider, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"已发布{len(created)}个时段。")
            return redirect("stations:provider", pk=pk)
    start = timezone.now() - dt.timedelta(days=1)
    slots = Slot.objects.filter(provider=provider, starts_at__gte=start).order_by("starts_at")[:200]
    bookings = {
        b.slot_id: b
        for b in Booking.objects.visible_to(request.user)
        .filter(
            slot__in=slots,
            status__in=[BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW],
        )
        .select_related("user")
    }
    rows = [(s, bookings.get(s.pk)) for s in slots]
    return render(
        request, "stations/schedule.html", {"provider": provider, "rows": rows, "form": form}
    )


@require_capability("console.view")
@require_POST
def booking_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    _require_appointments(request.user)
    booking = get_object_or_404(
        Booking.objects.visible_to(request.user).select_related("slot"), pk=pk
    )
    try:
        services.record_outcome(
            actor=request.user, booking=booking, attended=request.POST.get("attended") == "1"
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    return redirect("stations:provider", pk=booking.slot.provider_id)


# --- Study ----------------------------------------------------------------------------------


@require_capability("study.manage")
def article_list(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.visible_to(request.user).annotate(n=Count("completions"))
    return render(request, "stations/articles.html", {"articles": articles})


@require_capability("study.manage")
def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk) if pk else None
    form = ArticleForm(request.POST or None, instance=article, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_article(actor=request.user, article=article, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "学习资料已保存（正文已清洗，脚本和外部样式已移除）。")
            return redirect("stations:article_edit", pk=saved.pk)
    return render(
        request,
        "stations/form.html",
        {
            "form": form,
            "title": f"编辑：{article.title}" if article else "新增学习资料",
            "back": reverse("stations:articles"),
        },
    )
