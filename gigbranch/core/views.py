from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from gigbranch.accounts.roles import Role, has_capability

from . import auditchain, services
from .forms import AuditSearchForm, CalendarDayForm, CalendarYearForm
from .models import (
    AuditDayCheck,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    SystemNotice,
    WorkerHeartbeat,
)
from .permissions import require_capability
from .workcalendar import default_calendar, package_knows_year


def notices_for(user) -> list[SystemNotice]:
    # System warnings (e.g. a missing calendar year) go to whoever can act on them.
    if has_capability(user, "calendar.manage") or user.role == Role.COUNTY_ADMIN:
        return list(SystemNotice.objects.filter(resolved_at__isnull=True))
    return []


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links; send them to the static icon."""
    return redirect(static("favicon.svg"))


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    status = 200
    body: dict[str, object] = {"status": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = "ok"
    except Exception:
        body["database"] = "unavailable"
        body["status"] = "error"
        status = 503
        return JsonResponse(body, status=status)
    beat = WorkerHeartbeat.objects.filter(name="default").first()
    stale_after = dt.timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    if beat is None:
        body["worker"] = {"status": "never_seen"}
        body["status"] = "degraded"
    else:
        age = (timezone.now() - beat.beat_at).total_seconds()
        ok = age <= stale_after.total_seconds()
        body["worker"] = {"status": "ok" if ok else "stale", "last_heartbeat_seconds_ago": int(age)}
        if not ok:
            body["status"] = "degraded"
    return JsonResponse(body, status=status)


@require_capability("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    events = AuditEvent.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            events = events.filter(actor_username__icontains=data["actor"])
        if data["action"]:
            events = events.filter(action__icontains=data["action"])
        if data["object_type"]:
            events = events.filter(object_type__icontains=data["object_type"])
        if data["object_id"]:
            events = events.filter(object_id=data["object_id"])
        if data["role"]:
            events = events.filter(actor_role=data["role"])
        if data["date_from"]:
            events = events.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(created_at__date__lte=data["date_to"])
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    recent = timezone.localdate() - dt.timedelta(days=max(settings.AUDIT_VERIFY_DAYS, 1) + 6)
    return render(
        request,
        "core/audit_log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "roles": dict(Role.choices),
            "checks": AuditDayCheck.objects.filter(day__gte=recent)[:14],
            "triggers_present": auditchain.triggers_present(),
        },
    )


@require_capability("calendar.manage")
def calendar_admin(request: HttpRequest) -> HttpResponse:
    day_form = CalendarDayForm(prefix="day")
    year_form = CalendarYearForm(prefix="year")
    if request.method == "POST":
        if "day-date" in request.POST:
            day_form = CalendarDayForm(request.POST, prefix="day")
            if day_form.is_valid():
                services.set_calendar_day(actor=request.user, **day_form.cleaned_data)
                messages.success(request, "已保存日历调整。")
                return redirect("core:calendar")
        else:
            year_form = CalendarYearForm(request.POST, prefix="year")
            if year_form.is_valid():
                services.mark_year_loaded(actor=request.user, **year_form.cleaned_data)
                messages.success(request, "已标记该年度日历录入完成。")
                return redirect("core:calendar")
    this_year = timezone.localdate().year
    years = []
    cal = default_calendar()
    for year in range(this_year - 1, this_year + 2):
        years.append(
            {
                "year": year,
                "package": package_knows_year(year),
                "manual": CalendarYear.objects.filter(year=year).first(),
                "working_days": len(
                    cal.working_days_in(dt.date(year, 1, 1), dt.date(year, 12, 31))
                ),
            }
        )
    return render(
        request,
        "core/calendar.html",
        {
            "day_form": day_form,
            "year_form": year_form,
            "years": years,
            "overrides": CalendarDay.objects.all(),
            "periods": settings.WORKING_PERIODS,
        },
    )


@require_capability("calendar.manage")
@require_POST
def calendar_day_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.delete_calendar_day(actor=request.user, day=get_object_or_404(CalendarDay, pk=pk))
    messages.success(request, "已删除日历调整。")
    return redirect("core:calendar")


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)
