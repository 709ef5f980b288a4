"""People pages: vanguard teams (党员先锋队)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from gigbranch.core.permissions import can, require_capability
from gigbranch.core.viewhelpers import message_errors, message_form_errors

from .. import forms, queries, services
from ..models import (
    PartyMember,
    VanguardTeam,
)

# --- vanguard teams (党员先锋队) ------------------------------------------------------------


@require_capability("people.view")
def vanguard_teams(request: HttpRequest) -> HttpResponse:
    teams = (
        VanguardTeam.objects.visible_to(request.user)
        .select_related("leader__worker", "workplace")
        .prefetch_related(
            Prefetch(
                "members",
                # Only members the user may see are named (a team's workplace can be in
                # scope while some of its members' organisations are not).
                queryset=PartyMember.objects.visible_to(request.user)
                .select_related("worker")
                .order_by("worker__name", "pk"),
                to_attr="visible_members",
            )
        )
        .annotate(size=Count("members"))
        .order_by("-year", "id")
    )
    page = Paginator(teams, 50).get_page(request.GET.get("page"))
    for team in page:
        team.hidden_count = team.size - len(team.visible_members)  # type: ignore[attr-defined]
    return render(
        request,
        "members/vanguard_teams.html",
        {"page": page, "can_change": can(request.user, "members.change")},
    )


@require_capability("people.change")
def vanguard_member_search(request: HttpRequest) -> HttpResponse:
    """htmx: at most 20 members in the user's scope matching a name prefix or the last 4
    ID digits (blind index), as selectable results for the vanguard team picker."""
    limit = queries.MEMBER_PICK_LIMIT
    q = request.GET.get("q", "")[:40].strip()
    found = queries.search_members(request.user, q=q, limit=limit)
    return render(
        request,
        "members/_vanguard_member_results.html",
        {"results": found[:limit], "more": len(found) > limit, "q": q, "limit": limit},
    )


def _chosen_members(user: Any, ids: list[int]) -> list[PartyMember]:
    """The chosen members to show as chips, looked up in the user's scope (an id the user
    may not see is not shown, not even by name)."""
    found = PartyMember.objects.visible_to(user).select_related("worker").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _team_page(
    request: HttpRequest,
    form: forms.VanguardTeamForm,
    team: VanguardTeam | None,
    *,
    leader_id: int | None,
    member_ids: list[int],
    status: int = 200,
) -> HttpResponse:
    if leader_id is not None and leader_id not in member_ids:
        member_ids = [leader_id, *member_ids]
    return render(
        request,
        "members/vanguard_team_form.html",
        {
            "form": form,
            "team": team,
            "chosen": _chosen_members(request.user, member_ids),
            "hidden_count": (
                services.hidden_team_members(team, request.user).count() if team else 0
            ),
            "leader_id": leader_id,
            "limit": queries.MEMBER_PICK_LIMIT,
        },
        status=status,
    )


def _save_team(
    request: HttpRequest, form: forms.VanguardTeamForm, team: VanguardTeam | None
) -> HttpResponse:
    """POST: parse, resolve the posted ids in the user's scope, call the service. Bad input
    is 400, an id outside the user's scope 403; either way nothing changes."""
    leader_id, member_ids = form.posted_ids()
    if not form.is_valid():
        message_form_errors(request, form)
        return _team_page(
            request, form, team, leader_id=leader_id, member_ids=member_ids, status=400
        )
    d = form.cleaned_data
    try:
        leader, members = services.team_members_from_ids(
            actor=request.user, leader_id=d["leader"], member_ids=d["members"]
        )
        data = {
            "name": d["name"],
            "leader": leader,
            "members": members,
            "workplace": d["workplace"],
            "year": d["year"],
        }
        if team is None:
            services.create_vanguard_team(actor=request.user, **data)
        else:
            services.update_vanguard_team(actor=request.user, team=team, **data)
    except ValidationError as exc:
        message_errors(request, exc)
        status = 400
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        status = 403
    else:
        messages.success(request, "已成立党员先锋队。" if team is None else "已保存党员先锋队。")
        return redirect("members:vanguard_teams")
    return _team_page(
        request, form, team, leader_id=leader_id, member_ids=member_ids, status=status
    )


@require_capability("people.change")
def vanguard_team_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save_team(request, forms.VanguardTeamForm(request.POST, user=request.user), None)
    form = forms.VanguardTeamForm(user=request.user, initial={"year": timezone.localdate().year})
    return _team_page(request, form, None, leader_id=None, member_ids=[])


@require_capability("people.change")
def vanguard_team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(VanguardTeam.objects.visible_to(request.user), pk=pk)
    if request.method == "POST":
        return _save_team(request, forms.VanguardTeamForm(request.POST, user=request.user), team)
    initial = {"name": team.name, "workplace": team.workplace_id, "year": team.year}
    form = forms.VanguardTeamForm(user=request.user, initial=initial)
    member_ids = list(team.members.order_by("worker__name", "pk").values_list("pk", flat=True))
    return _team_page(request, form, team, leader_id=team.leader_id, member_ids=member_ids)
