"""The URL walk behind bench/pages.py (not a benchmark itself: bench/run.py skips `_` files).

Every URL pattern comes from the URLconf (`django.urls.get_resolver()`); each parameter is
filled from the data through FILL (an object of the named model, preferably one the role
may see, through `visible_to`), so a new pattern without a FILL entry shows up as
"unfilled" instead of disappearing. tests/test_pagewalk.py runs this machinery on the tiny
demo data; bench/pages.py times it at county and city scale.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# Prefixes that are not pages: APIs have their own benchmarks (appeals_load, stations ...),
# media are uploaded files, the language switch is a POST.
NOT_PAGES = {
    "api/v1/": "接口（JSON，token 认证）",
    "open311/v2/": "Open311 接口",
    "media/": "上传文件",
    "i18n/setlang/": "切换语言（POST）",
    "healthz": "健康检查（地板基线）",
}

# Demo accounts (gigbranch/demo/) and what they stand for.
ROLES: list[tuple[str, str]] = [
    ("county", "县级管理员"),
    ("industry", "行业党委"),
    ("chengguan", "乡镇（街道）"),
    ("branch", "党支部书记"),
    ("renshe", "人社局承办人"),
    ("inspector", "督导检查员"),
    ("sysadmin", "系统管理员"),
    ("secadmin", "安全管理员"),
    ("auditor", "安全审计员"),
    ("rider", "骑手（手机端）"),
    ("falvyuanzhu", "法律援助（服务方）"),
    ("xinlizixun", "心理咨询（服务方）"),
]


@dataclass(frozen=True)
class Pattern:
    route: str  # e.g. "org/workplaces/<int:pk>/"
    name: str  # e.g. "organizations:workplace"
    params: tuple[str, ...]


@dataclass(frozen=True)
class Obj:
    """Fill the parameters from one object of `model`: params maps a URL parameter to an
    attribute of the object (or to a constant given as Const)."""

    model: str
    params: dict[str, Any] = field(default_factory=lambda: {"pk": "pk"})
    where: dict[str, Any] = field(default_factory=dict)
    via: str = ""  # for a model without visible_to: the relation to a scoped model


@dataclass(frozen=True)
class Const:
    value: str


@dataclass(frozen=True)
class Values:
    """A parameter that takes each of a fixed set of values (one concrete URL each)."""

    param: str
    values: tuple[str, ...]


def obj(model_label: str, where: dict[str, Any] | None = None, via: str = "", **params: Any) -> Obj:
    return Obj(model_label, params or {"pk": "pk"}, where or {}, via)


_ORG = obj("organizations.Organization")
_WORKPLACE = obj("organizations.Workplace")
_WORKER = obj("members.Worker")
_MEMBER = obj("members.Worker", {"party_member__isnull": False})
_CASE = obj("recruitment.Case")
_STATION = obj("stations.Station")
_APPEAL = obj("appeals.Appeal")

FILL: dict[str, Obj | Values | tuple[Obj, Values]] = {
    "accounts:user_toggle": obj("accounts.User"),
    "accounts:api_token_revoke": obj("accounts.ApiToken"),
    "accounts:api_token_rotate": obj("accounts.ApiToken"),
    "accounts:mfa_reset": obj("accounts.User", {"role": "county_admin"}),
    "accounts:unlock": obj("accounts.User"),
    "accounts:user_change": obj("accounts.User", {"role": "county_admin"}),
    "accounts:password_reset": obj("accounts.User", {"role": "county_admin"}),
    "accounts:change_approve": obj("accounts.AccountChange"),
    "accounts:change_reject": obj("accounts.AccountChange"),
    "accounts:change_withdraw": obj("accounts.AccountChange"),
    "core:calendar_day_delete": obj("core.CalendarDay"),
    "organizations:tree_children": _ORG,
    "organizations:detail": _ORG,
    "organizations:edit": _ORG,
    "organizations:move": _ORG,
    "organizations:transfer_letter_days": _ORG,
    "organizations:committee_add": _ORG,
    "organizations:committee_remove": obj(
        "organizations.CommitteeMember", pk="organization_id", member_pk="pk"
    ),
    "organizations:phone_reveal": obj(
        "organizations.Organization", pk="pk", model=Const("organization"), field=Const("phone")
    ),
    "organizations:workplace": _WORKPLACE,
    "organizations:workplace_edit": _WORKPLACE,
    "organizations:workplace_instructor": _WORKPLACE,
    "organizations:instructor_edit": obj("organizations.Instructor"),
    "organizations:import": Values("kind", ("workplaces", "organizations")),
    "organizations:import_template": Values("kind", ("workplaces", "organizations")),
    "organizations:import_apply": Values("kind", ("workplaces", "organizations")),
    "organizations:export": Values("kind", ("workplaces", "organizations")),
    "members:worker_detail": _WORKER,
    "members:worker_reveal": obj("members.Worker", pk="pk", field=Const("mobile")),
    "members:worker_mobile": _WORKER,
    "members:worker_consent": _WORKER,
    "members:member_decision": _MEMBER,
    "members:member_payment": _MEMBER,
    "members:member_assessment": _MEMBER,
    "members:member_transfer": _MEMBER,
    "members:member_model_post": _MEMBER,
    "members:transfer_move": obj("members.Transfer"),
    "members:workplace_honours": _WORKPLACE,
    "members:vanguard_team_edit": obj("members.VanguardTeam"),
    "members:point_rule_edit": obj("members.PointRule"),
    "members:import_mapping": obj("members.RosterImport"),
    "members:import_detail": obj("members.RosterImport"),
    "members:import_progress": obj("members.RosterImport"),
    "members:import_errors": obj("members.RosterImport"),
    "recruitment:case_detail": _CASE,
    "recruitment:record_step": obj("recruitment.Case", pk="pk", step=Const("1")),
    "recruitment:record_assessment": _CASE,
    "recruitment:probation_decision": (_CASE, Values("kind", ("extend", "cancel"))),
    "recruitment:stop_case": _CASE,
    "recruitment:review_delay": obj("recruitment.StepDelay", pk="case_id", delay_pk="pk"),
    "recruitment:attach": _CASE,
    "recruitment:case_document": (_CASE, Values("kind", ("candidate_review", "vote_record"))),
    "recruitment:attachment": obj("recruitment.Attachment", via="case"),
    "recruitment:register_document": Values("kind", ("application_register", "activist_register")),
    "appeals:photo": obj("appeals.AppealPhoto", via="appeal"),
    "appeals:detail": _APPEAL,
    "appeals:action": obj("appeals.Appeal", pk="pk", action=Const("accept")),
    "appeals:portal_photo": obj("appeals.AppealPhoto", via="appeal"),
    "appeals:portal_detail": obj("appeals.Appeal", tracking_no="tracking_no"),
    "stations:detail": _STATION,
    "stations:edit": _STATION,
    "stations:poster": _STATION,
    "stations:qr_regenerate": _STATION,
    "stations:closure_add": _STATION,
    "stations:closure_remove": obj("stations.StationClosure", pk="station_id", closure_pk="pk"),
    "stations:provider": obj("stations.ServiceProvider"),
    "stations:booking_outcome": obj("stations.Booking"),
    "stations:article_edit": obj("stations.Article"),
    "activities:detail": obj("activities.Activity"),
    "activities:edit": obj("activities.Activity"),
    "activities:signup_cancel": obj("activities.SignUp"),
    "planning:detail": obj("planning.Proposal"),
    "planning:export": obj("planning.Proposal"),
    "portal:station": _STATION,
    "portal:checkin": obj("stations.Station", token="qr_token"),
    "portal:provider": obj("stations.ServiceProvider"),
    "portal:booking_cancel": obj("stations.Booking"),
    "portal:article": obj("stations.Article"),
    "portal:activity": obj("activities.Activity"),
    "portal:signup_cancel": obj("activities.SignUp"),
    "cockpit:report_file": obj("cockpit.WorkReport", via="region"),
    "cockpit:ledger": Values(
        "key", ("members", "mobile_members", "recruitment", "appeals", "stations", "activities")
    ),
}

_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<rx>[^>]+)>")


def _walk(resolver: Any, prefix: str = "", ns: str = "") -> Iterator[tuple[str, str]]:
    from django.urls import URLPattern, URLResolver

    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            sub = ":".join(x for x in (ns, entry.namespace or "") if x)
            yield from _walk(entry, route, sub)
        elif isinstance(entry, URLPattern):
            name = f"{ns}:{entry.name}" if ns and entry.name else (entry.name or "")
            yield route, name


def patterns() -> tuple[list[Pattern], list[tuple[str, str]]]:
    """(the page patterns, [(route, reason)] for the patterns that are not pages)."""
    from django.urls import get_resolver

    pages: list[Pattern] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()
    for route, name in _walk(get_resolver()):
        bare = route.lstrip("^")
        reason = next((why for p, why in NOT_PAGES.items() if bare.startswith(p)), None)
        if reason:
            skipped.append((route, reason))
            continue
        if route in seen:
            continue
        seen.add(route)
        params = tuple(m.group("name") or m.group("rx") for m in _PARAM.finditer(route))
        pages.append(Pattern(route, name, params))
    return pages, skipped


def _pick(spec: Obj, user: Any) -> tuple[Any, bool] | None:
    """An object for the URL: one `user` may see when the model is scoped (visible=True),
    else any (so the refusal is measured); None when the data has none."""
    from django.apps import apps

    model = apps.get_model(spec.model)
    qs = model._default_manager.filter(**spec.where).order_by("pk")
    scoped = hasattr(qs, "visible_to") or bool(spec.via)
    if scoped:
        if spec.via:
            related = model._meta.get_field(spec.via).related_model._default_manager
            mine = qs.filter(**{f"{spec.via}__in": related.all().visible_to(user)}).first()
        else:
            mine = qs.visible_to(user).first()
        if mine is not None:
            return mine, True
    anything = qs.first()
    if anything is None:
        return None
    return anything, not scoped


def concrete(pattern: Pattern, user: Any) -> tuple[list[tuple[str, bool]], str | None]:
    """([(url, in_scope)], why unfilled). in_scope: the object is one the role may see (or
    the pattern has no object), so anything but 2xx/403/405 is an error."""
    from django.urls import reverse

    if not pattern.params:
        return [(reverse(pattern.name), True)], None
    spec = FILL.get(pattern.name)
    if spec is None:
        return [], "FILL 中没有该模式的参数来源"
    obj_spec, values = (
        spec if isinstance(spec, tuple) else (spec, None) if isinstance(spec, Obj) else (None, spec)
    )
    base: dict[str, Any] = {}
    in_scope = True
    if obj_spec is not None:
        picked = _pick(obj_spec, user)
        if picked is None:
            return [], f"数据中没有 {obj_spec.model}" + (
                f"（{obj_spec.where}）" if obj_spec.where else ""
            )
        found, in_scope = picked
        for param, attr in obj_spec.params.items():
            base[param] = attr.value if isinstance(attr, Const) else getattr(found, attr)
    kwargs_list = [{**base, values.param: v} for v in values.values] if values else [base]
    return [(reverse(pattern.name, kwargs=kw), in_scope) for kw in kwargs_list], None


def classify(status: int, in_scope: bool) -> str:
    """page / denied / post-only / out-of-scope / ERROR."""
    if 200 <= status < 300:
        return "page"
    if status in (302, 403):
        return "denied"
    if status == 405:
        return "post-only"
    if status == 404 and not in_scope:
        return "out-of-scope"
    return "ERROR"


class QueryRecorder:
    """Records (sql, params, seconds) of every statement a request runs (execute_wrapper)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, float]] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, params, many, ctx)
        finally:
            self.calls.append((sql, None if many else params, time.perf_counter() - start))


def fetch(client: Any, url: str, headers: dict[str, str] | None = None) -> int:
    """GET `url` and read the whole body (exports stream); the status code."""
    response = client.get(url, **(headers or {}))
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    else:
        response.content  # noqa: B018 - rendered already; read for symmetry
    # No response.close(): the test client has closed it already, and a second close sends
    # request_finished, whose close_old_connections drops a PostgreSQL connection inside a
    # test transaction.
    return response.status_code


def reset_caches() -> None:
    """Empty what a process start would: Django's caches, the compiled-template caches and
    the database connection (a new connection has an empty SQLite page cache)."""
    from django.core.cache import caches
    from django.db import connections
    from django.template import engines

    for cache in caches.all():
        cache.clear()
    for engine in engines.all():
        for loader in getattr(getattr(engine, "engine", None), "template_loaders", []):
            if hasattr(loader, "reset"):
                loader.reset()
    connections.close_all()


def replay(calls: list[tuple[str, Any, float]]) -> float:
    """Seconds to run the same statements again on a bare cursor and fetch every row: the
    floor for this page's queries (no ORM, no template)."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cur:
        for sql, params, _ in calls:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue  # reads only: writes and transaction control are not replayed
            if params is None and "%s" in sql:
                continue  # executemany: not replayed
            cur.execute(sql, params)
            if cur.description is not None:
                cur.fetchall()
    return time.perf_counter() - start


@dataclass
class Row:
    route: str
    name: str
    role: str
    url: str
    status: int
    kind: str
    queries: int = 0
    cold_ms: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    sql_ms: float | None = None


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, -(-len(ordered) * q // 100) - 1))
    return ordered[int(k)]


def walk(
    roles: list[str],
    repeats: int,
    only: Callable[[Pattern], bool] = lambda p: True,
    log: Callable[[str], None] = lambda s: None,
) -> tuple[list[Row], list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Visit every page pattern as every role: (rows, [(route, role, why unfilled)], skipped).

    repeats=0 records status and query count only. Otherwise, per URL and role: one cold
    request after reset_caches(), one recorded request (queries, their SQL floor), then
    `repeats` timed warm requests."""
    from django.db import connection
    from django.test import Client

    from gigbranch.accounts.models import User

    pages, skipped = patterns()
    rows: list[Row] = []
    unfilled: list[tuple[str, str, str]] = []
    for username in roles:
        user = User.objects.filter(username=username).first()
        if user is None:
            unfilled.extend((p.route, username, "数据中没有该演示账号") for p in pages)
            continue
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for pattern in filter(only, pages):
            urls, why = concrete(pattern, user)
            if why:
                unfilled.append((pattern.route, username, why))
            for url, in_scope in urls:
                row = _visit(client, connection, pattern, username, url, in_scope, repeats)
                rows.append(row)
                log(f"{row.route:<48} {username:<11} {row.status} {row.p50_ms or 0:8.1f}")
    return rows, unfilled, skipped


def _visit(
    client: Any,
    connection: Any,
    pattern: Pattern,
    username: str,
    url: str,
    in_scope: bool,
    repeats: int,
) -> Row:
    cold = None
    if repeats:
        reset_caches()
        start = time.perf_counter()
        fetch(client, url)
        cold = (time.perf_counter() - start) * 1000
    recorder = QueryRecorder()
    with connection.execute_wrapper(recorder):
        status = fetch(client, url)
    row = Row(pattern.route, pattern.name, username, url, status, classify(status, in_scope))
    row.queries = len(recorder.calls)
    if row.kind != "page" or not repeats:
        return row
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fetch(client, url)
        samples.append((time.perf_counter() - start) * 1000)
    row.cold_ms = cold
    row.p50_ms = statistics.median(samples)
    row.p99_ms = percentile(samples, 99)
    try:
        row.sql_ms = min(replay(recorder.calls) for _ in range(3)) * 1000
    except Exception:  # a statement that cannot run outside its request: no floor
        connection.close()
    return row


def complete_data() -> None:
    """Add one row of each kind the demo data lacks (an upload, a booking, a sign-up ...)
    so that every pattern has an object to show. Fixture rows for the walk, written straight
    to the models like the demo's bulk inserts; idempotent."""
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from gigbranch.accounts.models import AccountChange, ApiToken, User
    from gigbranch.activities.models import Activity, SignUp
    from gigbranch.appeals.models import Appeal, AppealPhoto
    from gigbranch.cockpit.models import WorkReport
    from gigbranch.core.models import CalendarDay
    from gigbranch.members.models import Platform, RosterImport
    from gigbranch.recruitment.models import Attachment, Case, StepDelay, StepRecord
    from gigbranch.stations.models import Booking, Slot, Station, StationClosure

    now = timezone.now()
    rider = User.objects.filter(username="rider").first()
    county = User.objects.filter(username="county").first()
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8"
        b"N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    if not ApiToken.objects.exists() and county is not None:
        ApiToken.objects.create(
            name="基准",
            user=county,
            prefix="benchwlk",
            token_hash="0" * 64,
            expires_at=timezone.now() + dt.timedelta(days=365),
        )
    if not WorkReport.objects.exists():
        from gigbranch.organizations.models import Region

        top = Region.objects.filter(parent__isnull=True).order_by("path").first()
        if top is not None:
            WorkReport.objects.create(
                kind="quarter", period="2026Q3", title="基准报告", region=top, content=b"PK"
            )
    if not CalendarDay.objects.exists():
        CalendarDay.objects.create(
            date=dt.date(now.year, 12, 31), is_working_day=False, name="基准"
        )
    station = Station.objects.order_by("pk").first()
    if station is not None and not StationClosure.objects.exists():
        StationClosure.objects.create(
            station=station, start_date=now.date(), end_date=now.date(), reason="基准"
        )
    activity = Activity.objects.order_by("pk").first()
    if rider is not None and activity is not None and not SignUp.objects.exists():
        SignUp.objects.create(activity=activity, user=rider, status="confirmed", queued_at=now)
    slot = Slot.objects.order_by("pk").first()
    if rider is not None and slot is not None and not Booking.objects.exists():
        Booking.objects.create(slot=slot, user=rider, status="booked", topic="基准")
    appeal = Appeal.objects.order_by("pk").first()
    if appeal is not None and not AppealPhoto.objects.exists():
        photo = AppealPhoto(appeal=appeal, content_type="image/png", size=len(png))
        photo.file.save("bench.png", ContentFile(png), save=False)
        photo.save()
    case = Case.objects.order_by("pk").first()
    if case is not None and not Attachment.objects.exists():
        att = Attachment(
            case=case,
            title="基准材料",
            token="benchwalk",
            extension=".png",
            content_type="image/png",
            original_name="bench.png",
            size=len(png),
            sha256="0" * 64,
            uploaded_by=county,
        )
        att.file.save("bench.png", ContentFile(png), save=False)
        att.save()
    sysadmin = User.objects.filter(username="sysadmin").first()
    if sysadmin is not None and not AccountChange.objects.exists():
        AccountChange.objects.create(
            kind="create",
            username="bench-proposed",
            role="township_admin",
            scope_region=getattr(county, "scope_region", None),
            reason="基准",
            proposed_by=sysadmin,
        )
    record = StepRecord.objects.order_by("pk").first()
    if record is not None and not StepDelay.objects.exists():
        StepDelay.objects.create(
            record=record,
            case=record.case,
            step=record.step,
            deadline=record.date,
            days_late=1,
            rule_id="REC-ORDER",
            rule_name="基准",
            rule_source="基准",
            reason="基准",
        )
    platform = Platform.objects.order_by("pk").first()
    if platform is not None and county is not None and not RosterImport.objects.exists():
        RosterImport.objects.create(platform=platform, uploaded_by=county, filename="基准.xlsx")
