"""People pages: the worker list, a worker record and the actions taken from it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gigbranch.core.figures import chosen, counted, narrowed
from gigbranch.core.permissions import can, require_capability
from gigbranch.core.viewhelpers import message_errors, message_form_errors
from gigbranch.organizations.queries import drill_region

from .. import consent, forms, queries, services
from ..models import (
    PartyMember,
    PoliticalStatus,
    Worker,
    WorkerStatus,
)


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
        "can_change": can(request.user, "members.change"),
        "can_reveal": can(request.user, "members.reveal"),
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
        message_form_errors(request, form)
    else:
        try:
            action(worker, form.cleaned_data)
            messages.success(request, ok)
        except ValidationError as exc:
            message_errors(request, exc)
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
