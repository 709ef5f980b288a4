"""Recruitment pages: the Word documents of a case and the registers."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from gigbranch.core.permissions import require_capability

from .. import docs
from ..models import Case, Vote
from .cases import _case, _is_id

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(content: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_capability("recruitment.view")
def case_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    case = _case(request, pk)
    if kind == "candidate_review":
        return _docx(docs.candidate_review(case), f"发展对象审查表-{case.worker.name}.docx")
    if kind == "vote_record":
        vote_id = request.GET.get("vote", "")
        qs = Vote.objects.filter(case=case)
        vote = get_object_or_404(qs, pk=int(vote_id)) if _is_id(vote_id) else qs.last()
        if vote is None:
            raise Http404("尚无表决记录。")
        return _docx(
            docs.vote_record(vote), f"支部党员大会表决情况记录-{case.worker.name}-{vote.date}.docx"
        )
    raise Http404


@require_capability("recruitment.view")
def register_document(request: HttpRequest, kind: str) -> HttpResponse:
    qs = (
        Case.objects.visible_to(request.user)
        .select_related("worker__workplace", "organization")
        .prefetch_related("steps", "people__member__worker")
        .order_by("application_date", "id")
    )
    label = request.user.scope_label
    if kind == "application_register":
        return _docx(
            docs.application_register(qs.filter(stage=1, status="in_progress"), scope_label=label),
            "入党申请人登记表.docx",
        )
    if kind == "activist_register":
        return _docx(
            docs.activist_register(qs.filter(stage=2, status="in_progress"), scope_label=label),
            "入党积极分子登记表.docx",
        )
    raise Http404
