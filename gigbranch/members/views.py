from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from gigbranch.core.fields import blind_index
from gigbranch.core.permissions import require_capability

from . import services
from .models import Worker


@require_capability("people.view")
def workers(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    qs = Worker.objects.visible_to(request.user).select_related("workplace", "region")
    if q:
        if len(q) == 4 and (q[:3].isdigit() and (q[3].isdigit() or q[3] in "xX")):
            qs = qs.filter(id_last4_hash=blind_index(q.upper(), context="id_last4"))
        else:
            qs = qs.filter(name__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "members/workers.html", {"page": page, "q": q})


@require_capability("people.view")
def worker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    worker = get_object_or_404(
        Worker.objects.visible_to(request.user).select_related("workplace", "region"), pk=pk
    )
    return render(request, "members/worker_detail.html", {"worker": worker})


@require_capability("pii.reveal")
@require_POST
def worker_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    worker = get_object_or_404(Worker.objects.visible_to(request.user), pk=pk)
    value = services.reveal(actor=request.user, worker=worker, field=field)
    return render(request, "members/_revealed.html", {"value": value, "field": field})
