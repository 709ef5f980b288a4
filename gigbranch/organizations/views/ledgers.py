"""Network pages: Excel import of the tree and the registry, and the ledgers (台账)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gigbranch.core import stash
from gigbranch.core.audit import record
from gigbranch.core.permissions import can, require_can, require_capability

from .. import excel, queries
from ..forms import ImportForm
from ..headcounts import people
from ..models import (
    Organization,
    Workplace,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    reveal = can(request.user, "organizations.reveal")
    if kind == "workplaces":
        wps = Workplace.objects.visible_to(request.user)
        data, title, rows = excel.export_workplaces(wps, reveal=reveal), "企业站点台账", wps.count()
    else:
        orgs = Organization.objects.visible_to(request.user).annotate(
            n_full=Count(
                "members",
                filter=Q(members__kind=people().full_kind, members__status__in=queries.IN_STANDING),
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
