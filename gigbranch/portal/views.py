"""The workers' mobile site (/m/). Every essential path works without JavaScript.

Portal pages need a worker account with the basic consent; `portal_view` sends anyone
else to the SMS login or the consent screen. Staff accounts are sent to the console.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gigbranch.accounts.roles import Role
from gigbranch.activities import services as activity_services
from gigbranch.activities.models import Activity, SignUp, SignUpStatus
from gigbranch.core import ratelimit
from gigbranch.core.masking import mask_mobile
from gigbranch.members import consent as consent_store
from gigbranch.members.models import ConsentPurpose
from gigbranch.organizations import queries as org_queries
from gigbranch.stations import queries as station_queries
from gigbranch.stations import services as station_services
from gigbranch.stations.models import (
    Amenity,
    Article,
    Booking,
    ServiceKind,
    ServiceProvider,
    Slot,
    Station,
    StudyCompletion,
)

from . import services

SESSION_MOBILE = "portal_mobile"


def _error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or "无权执行此操作。"


def _safe_next(request: HttpRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        return nxt
    return default


def portal_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged-in worker with the basic consent, else login / consent / console."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.get_full_path()}")
        if user.role != Role.WORKER:
            raise PermissionDenied("工作人员请使用工作台。")
        if not consent_store.is_granted(user, ConsentPurpose.BASIC):
            return redirect(f"{reverse('portal:consent')}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    return wrapper


def _me(request: HttpRequest) -> Any:
    """The logged-in account (portal views run only for authenticated workers)."""
    return request.user


def _own_mobile(user: Any) -> str:
    """The worker's own mobile number, masked the way staff see it (core.masking): the
    account's login number, else the one in the worker's registration record."""
    worker = getattr(user, "worker", None)
    return mask_mobile(user.mobile or (worker.mobile if worker is not None else ""))


def _optional_url(name: str) -> str | None:
    """Links to pages other modules provide (e.g. appeals) — absent until they land."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# --- Accounts: SMS login/registration, consent, roster link ---------------------------------


def login_mobile(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.role == Role.WORKER:
        return redirect(_safe_next(request, reverse("portal:home")))
    error = ""
    mobile = ""
    if request.method == "POST":
        mobile = request.POST.get("mobile", "").strip()
        # Per mobile number the service allows 5 codes an hour; per client address this
        # stops one sender spraying codes to many numbers (SMS cost, harassment).
        wait = ratelimit.hit("sms_code.ip", ratelimit.client_address(request))
        if wait:
            return ratelimit.too_many(request, wait)
        try:
            services.request_code(mobile=mobile)
        except ValidationError as exc:
            error = _error_text(exc)
            if "60秒" in error:  # a code was just sent: go on to enter it
                _remember_mobile(request, mobile)
                messages.info(request, error)
                return redirect(_verify_url(request))
        else:
            _remember_mobile(request, mobile)
            messages.info(request, "验证码已发送，5分钟内有效。")
            return redirect(_verify_url(request))
    return render(
        request,
        "portal/login.html",
        {"error": error, "mobile": mobile, "next": _safe_next(request, "")},
    )


def _remember_mobile(request: HttpRequest, mobile: str) -> None:
    """Between the code request and its entry the session holds the mobile number
    encrypted with the field cipher: session rows are signed, not encrypted."""
    from gigbranch.core.crypto import get_cipher

    request.session[SESSION_MOBILE] = get_cipher().encrypt(mobile, context=SESSION_MOBILE)


def _remembered_mobile(request: HttpRequest) -> str:
    from gigbranch.core.crypto import DecryptionError, get_cipher

    token = request.session.get(SESSION_MOBILE, "")
    if not token:
        return ""
    try:
        return get_cipher().decrypt(token, context=SESSION_MOBILE)
    except (DecryptionError, ValueError):
        return ""


def _verify_url(request: HttpRequest) -> str:
    nxt = _safe_next(request, "")
    url = reverse("portal:verify")
    return f"{url}?next={nxt}" if nxt else url


def login_verify(request: HttpRequest) -> HttpResponse:
    mobile = _remembered_mobile(request)
    if not mobile:
        return redirect("portal:login")
    error = ""
    if request.method == "POST":
        try:
            result = services.verify_code(mobile=mobile, code=request.POST.get("code", ""))
        except (ValidationError, PermissionDenied) as exc:
            error = _error_text(exc)
        else:
            login(request, result.user, backend=settings.AUTHENTICATION_BACKENDS[0])
            request.session.pop(SESSION_MOBILE, None)
            nxt = _safe_next(request, reverse("portal:home"))
            if not consent_store.is_granted(result.user, ConsentPurpose.BASIC):
                return redirect(f"{reverse('portal:consent')}?next={nxt}")
            return redirect(nxt)
    masked = mask_mobile(mobile)
    return render(
        request,
        "portal/verify.html",
        {"error": error, "masked": masked, "next": _safe_next(request, "")},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:login")


def consent(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    if not user.is_authenticated:
        return redirect("portal:login")
    if user.role != Role.WORKER:
        raise PermissionDenied("工作人员无需此授权。")
    state = consent_store.answers(user)
    error = ""
    if request.method == "POST":
        try:
            services.record_consent(
                user=user,
                basic=request.POST.get("basic") == "on",
                political_status=request.POST.get("political_status") == "on",
            )
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            default = reverse("portal:home") if user.worker_id else reverse("portal:link")
            return redirect(_safe_next(request, default) if user.worker_id else default)
    return render(
        request,
        "portal/consent.html",
        {"state": state, "error": error, "next": _safe_next(request, "")},
    )


@portal_view
def link(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    error = ""
    if request.method == "POST":
        try:
            worker = services.link_worker(user=user, id_number=request.POST.get("id_number", ""))
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            messages.success(request, f"已关联登记信息：{worker.name}。")
            return redirect("portal:home")
    return render(request, "portal/link.html", {"error": error, "tab": "me"})


# --- Home and My page -----------------------------------------------------------------------


@portal_view
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "worker": request.user.worker,
            "tab": "home",
            "appeal_new_url": _optional_url("appeals:portal_new"),
        },
    )


def _points_for(worker: Any) -> int | None:
    """Points balance from the people module's ledger (None when not linked)."""
    if worker is None:
        return None
    from gigbranch.members import services as member_services

    balance = getattr(member_services, "balance", None)
    return balance(worker) if balance is not None else None


def _dues_for(member: Any) -> dict[str, Any] | None:
    """Members only: this year's monthly amount, arrears and recent payments (DUES-1…5)."""
    if member is None:
        return None
    from gigbranch.members import services as member_services

    today = timezone.localdate()
    assessment = member.dues_assessments.filter(year=today.year).first()
    arrears = member_services.member_arrears(member, until=today)
    return {
        "monthly": assessment.monthly_amount if assessment else None,
        "arrears_months": len(arrears),
        "arrears_total": sum((amount for _m, amount in arrears), start=0),
        "payments": list(member.dues_payments.order_by("-month")[:6]),
    }


@portal_view
def me(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    worker = user.worker
    now = timezone.now()
    bookings = (
        Booking.objects.visible_to(user)
        .select_related("slot__provider")
        .order_by("-slot__starts_at")[:20]
    )
    signups = (
        SignUp.objects.filter(user=user).select_related("activity").order_by("-created_at")[:20]
    )
    completions = StudyCompletion.objects.filter(user=user).select_related("article")
    from gigbranch.members.models import PartyMember

    member = (
        PartyMember.objects.filter(worker=worker).select_related("organization").first()
        if worker
        else None
    )
    return render(
        request,
        "portal/me.html",
        {
            "tab": "me",
            "worker": worker,
            "mobile": _own_mobile(user),
            "now": now,
            "bookings": bookings,
            "signups": signups,
            "completions": completions,
            "study_points": sum(c.article.points for c in completions),
            "points": _points_for(worker),
            "member": member,
            "dues": _dues_for(member),
            "appeal_list_url": _optional_url("appeals:portal_list"),
            "appeal_new_url": _optional_url("appeals:portal_new"),
        },
    )


@portal_view
def my_data(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "correct":
                services.correct_name(user=user, full_name=request.POST.get("full_name", ""))
                messages.success(request, "姓名已更正。")
            elif action == "withdraw_political":
                services.withdraw_consent(user=user, purpose=ConsentPurpose.POLITICAL_STATUS)
                messages.success(request, "已撤回政治面貌授权，工作人员将不再看到您的政治面貌。")
            elif action == "grant_political":
                services.record_consent(user=user, basic=True, political_status=True)
                messages.success(request, "已授权政治面貌用于党组织联系服务。")
            elif action == "withdraw_basic":
                services.withdraw_consent(user=user, purpose=ConsentPurpose.BASIC)
                logout(request)
                return redirect("portal:login")
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        return redirect("portal:my_data")
    return render(
        request,
        "portal/my_data.html",
        {
            "tab": "me",
            "worker": user.worker,
            "mobile": _own_mobile(user),
            "consents": consent_store.answers(user),
            "records": consent_store.history(user)[:20],
        },
    )


@portal_view
def my_data_export(request: HttpRequest) -> HttpResponse:
    body = services.export_my_data(user=request.user)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


# --- Stations -------------------------------------------------------------------------------


def _float(value: str | None, lo: float, hi: float) -> float | None:
    try:
        f = float(value or "")
    except ValueError:
        return None
    return f if lo <= f <= hi else None


@portal_view
def stations(request: HttpRequest) -> HttpResponse:
    lat = _float(request.GET.get("lat"), -90, 90)
    lng = _float(request.GET.get("lng"), -180, 180)
    place = request.GET.get("place", "").strip()
    amenity = request.GET.get("amenity", "")
    amenity = amenity if amenity in Amenity.values else ""
    open_now = request.GET.get("open") == "1"
    where = ""
    error = ""
    if (lat is None or lng is None) and place:
        resolved = station_queries.resolve_place(place)
        if resolved is None:
            error = f"没有找到“{place}”，请换个地名，例如街道或乡镇名称。"
        else:
            lat, lng, where = resolved
    elif lat is not None and lng is not None:
        where = "您的位置"
    results = []
    if lat is not None and lng is not None:
        results = station_queries.find_stations(
            lat=lat, lng=lng, amenity=amenity, open_now=open_now, k=10
        )
    return render(
        request,
        "portal/stations.html",
        {
            "tab": "stations",
            "amenities": Amenity.choices,
            "amenity": amenity,
            "open_now": open_now,
            "place": place,
            "lat": lat,
            "lng": lng,
            "where": where,
            "results": results,
            "error": error,
            "searched": lat is not None,
        },
    )


@portal_view
def stations_map(request: HttpRequest) -> HttpResponse:
    lat = _float(request.GET.get("lat"), -90, 90)
    lng = _float(request.GET.get("lng"), -180, 180)
    amenity = request.GET.get("amenity", "")
    amenity = amenity if amenity in Amenity.values else ""
    data: dict[str, Any] = {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "stations": [],
    }
    if lat is not None and lng is not None:
        found = station_queries.find_stations(lat=lat, lng=lng, amenity=amenity, k=30)
        data["center"] = [lat, lng]
        data["stations"] = [
            {
                "name": f.station.name,
                "lat": f.station.latitude,
                "lng": f.station.longitude,
                "open": f.is_open,
                "status": f.status,
                "distance": f.distance_label,
                "url": reverse("portal:station", args=[f.station.pk]),
            }
            for f in found
        ]
        data["areas"] = org_queries.public_areas(f.station.region_id for f in found)
    return render(
        request,
        "portal/stations_map.html",
        {
            "tab": "stations",
            "data": data,
            "lat": lat,
            "lng": lng,
            "amenity": amenity,
            "count": len(data["stations"]),
        },
    )


@portal_view
def station(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(
        station_queries.with_schedule(Station.objects.active()).select_related("region"), pk=pk
    )
    now_local = timezone.localtime().replace(tzinfo=None)
    sched = station_queries.schedules_for([obj], now_local)[obj.pk]
    counts = station_services.busy_hours(obj)
    return render(
        request,
        "portal/station.html",
        {
            "tab": "stations",
            "station": obj,
            "status": station_queries.rules.status_text(sched, now_local),
            "is_open": station_queries.rules.is_open(sched, now_local),
            "bars": list(zip(range(24), counts, station_queries.bar_classes(counts), strict=True)),
            "busy_total": sum(counts),
            "hour_now": now_local.hour,
            "closures": [c for c in obj.closures.all() if c.end_date >= now_local.date()],
        },
    )


def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The QR poster's link: confirm, then count the visit (POST; no JS needed)."""
    obj = get_object_or_404(Station.objects.active(), qr_token=token)
    user = _me(request)
    if not user.is_authenticated:
        messages.info(request, f"登录后即可在“{obj.name}”签到。")
        return redirect(f"{reverse('portal:login')}?next={request.get_full_path()}")
    if user.role != Role.WORKER:
        return render(request, "portal/checkin.html", {"station": obj, "staff": True})
    if not consent_store.is_granted(user, ConsentPurpose.BASIC):
        return redirect(f"{reverse('portal:consent')}?next={request.get_full_path()}")
    if request.method == "POST":
        try:
            _checkin, created = station_services.check_in(user=user, station=obj)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                f"签到成功，欢迎来到{obj.name}！"
                if created
                else "您刚刚已签到过，本次不重复计数。",
            )
        return redirect("portal:station", pk=obj.pk)
    return render(request, "portal/checkin.html", {"station": obj, "staff": False})


# --- Appointments ---------------------------------------------------------------------------


@portal_view
def service_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    providers = ServiceProvider.objects.filter(is_active=True)
    if kind in ServiceKind.values:
        providers = providers.filter(kind=kind)
    now = timezone.now()
    free = {p: Slot.objects.bookable(now).filter(provider=p).count() for p in providers}
    return render(
        request,
        "portal/services.html",
        {
            "tab": "services",
            "providers": list(free.items()),
            "kind": kind,
            "kinds": ServiceKind.choices,
        },
    )


BOOKING_WINDOW_DAYS = 30  # slots offered up to this many days ahead
WEEKDAYS = "一二三四五六日"


def _booking_days(provider: ServiceProvider, now: dt.datetime) -> list[dict[str, Any]]:
    """The local days (Asia/Shanghai) in the booking window that have a free slot, with
    the number of free slots on each: one query over the start times only."""
    counts: dict[dt.date, int] = {}
    starts = (
        Slot.objects.bookable(now)
        .filter(provider=provider, starts_at__lt=now + dt.timedelta(days=BOOKING_WINDOW_DAYS))
        .values_list("starts_at", flat=True)
    )
    for starts_at in starts:
        day = timezone.localtime(starts_at).date()
        counts[day] = counts.get(day, 0) + 1
    return [
        {"date": day, "weekday": f"周{WEEKDAYS[day.weekday()]}", "free": counts[day]}
        for day in sorted(counts)
    ]


def _day_slots(provider: ServiceProvider, now: dt.datetime, day: dt.date) -> list[Slot]:
    """The free slots of one local day, in order."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return list(
        Slot.objects.bookable(now).filter(
            provider=provider, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
        )
    )


def _parse_day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@portal_view
def provider(request: HttpRequest, pk: int) -> HttpResponse:
    """Book an appointment in two steps that work as plain links and a plain form: pick a
    day among those with free slots (`?day=YYYY-MM-DD`), then one of that day's slots."""
    obj = get_object_or_404(ServiceProvider.objects.filter(is_active=True), pk=pk)
    now = timezone.now()
    if request.method == "POST":
        back = reverse("portal:provider", args=[obj.pk])
        day_param = _parse_day(request.POST.get("day", ""))
        if day_param is not None:
            back += f"?day={day_param.isoformat()}"
        slot_value = request.POST.get("slot", "")
        if not slot_value.isdigit():
            messages.error(request, "请先选择一个时段。")
            return redirect(back)
        try:
            booking = station_services.book_slot(
                user=request.user, slot_id=int(slot_value), topic=request.POST.get("topic", "")
            )
        except Slot.DoesNotExist:
            messages.error(request, "该时段不存在，请刷新后重试。")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            start = timezone.localtime(booking.slot.starts_at)
            messages.success(
                request, f"预约成功：{start:%m月%d日 %H:%M}，{obj.name}。开始前一天会短信提醒您。"
            )
            return redirect("portal:me")
        return redirect(back)
    days = _booking_days(obj, now)
    free_days = {d["date"] for d in days}
    asked = request.GET.get("day", "")
    day = _parse_day(asked)
    day_note = ""
    if asked and day not in free_days:
        day_note = "所选日期没有可预约的时段，已为您显示最近一天。" if days else ""
        day = None
    if day is None and days:
        day = days[0]["date"]
    slots = _day_slots(obj, now, day) if day is not None else []
    return render(
        request,
        "portal/provider.html",
        {
            "tab": "services",
            "provider": obj,
            "days": days,
            "day": day,
            "day_note": day_note,
            "slots": slots,
            "places": sorted({s.place for s in slots if s.place}),
            "window_days": BOOKING_WINDOW_DAYS,
        },
    )


@portal_view
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.visible_to(request.user), pk=pk)
    try:
        station_services.cancel_booking(actor=request.user, booking=booking)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "预约已取消。")
    return redirect("portal:me")


# --- Study ----------------------------------------------------------------------------------


@portal_view
def study(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.published().order_by("-published_at", "-id")[:50]
    done = set(
        StudyCompletion.objects.filter(user=_me(request)).values_list("article_id", flat=True)
    )
    return render(request, "portal/study.html", {"tab": "home", "articles": articles, "done": done})


@portal_view
def article(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(Article.objects.published(), pk=pk)
    if request.method == "POST":
        try:
            _c, created = station_services.complete_article(user=request.user, article=obj)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            if created:
                messages.success(request, f"已完成学习，获得{obj.points}积分。")
        return redirect("portal:article", pk=obj.pk)
    done = StudyCompletion.objects.filter(user=_me(request), article=obj).exists()
    return render(request, "portal/article.html", {"tab": "home", "article": obj, "done": done})


# --- Activities -----------------------------------------------------------------------------


@portal_view
def activities(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    items = Activity.objects.published().filter(ends_at__gt=now).select_related("organization")[:50]
    mine = dict(
        SignUp.objects.live().filter(user=_me(request)).values_list("activity_id", "status")
    )
    return render(
        request, "portal/activities.html", {"tab": "home", "activities": items, "mine": mine}
    )


@portal_view
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(Activity.objects.published().select_related("organization"), pk=pk)
    if request.method == "POST":
        try:
            signup = activity_services.sign_up(user=request.user, activity_id=obj.pk)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            if signup.status == SignUpStatus.CONFIRMED:
                messages.success(request, "报名成功！")
            else:
                pos = activity_services.waitlist_position(signup)
                messages.info(
                    request, f"名额已满，您已进入候补，当前第{pos}位；有人取消时自动递补。"
                )
        return redirect("portal:activity", pk=obj.pk)
    mine = SignUp.objects.live().filter(user=_me(request), activity=obj).first()
    confirmed = obj.signups.filter(status=SignUpStatus.CONFIRMED).count()
    return render(
        request,
        "portal/activity.html",
        {
            "tab": "home",
            "activity": obj,
            "mine": mine,
            "confirmed": confirmed,
            "left": max(obj.capacity - confirmed, 0),
            "position": activity_services.waitlist_position(mine) if mine else None,
            "closed": timezone.now() >= (obj.signup_deadline or obj.starts_at),
        },
    )


@portal_view
@require_POST
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(SignUp.objects.filter(user=_me(request)), pk=pk)
    try:
        activity_services.cancel_signup(actor=request.user, signup=signup)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "已取消报名。")
    return redirect("portal:activity", pk=signup.activity_id)
