"""A department handler's home page is their to-do (APL-1, APL-2): appeals to accept, those
near their reply deadline and overdue ones, each linking to the appeal, counted by the same
query functions as the appeal list reached from the count."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from gigbranch.appeals import queries, services
from gigbranch.appeals.models import Appeal, Channel
from gigbranch.appeals.rules import Status

from .conftest import at

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 10, 10, 0)  # a Tuesday, 10:00 in Beijing


def _appeal(world, *, status, accept_due, reply_due, department=None, text="站点拖欠工资"):
    submission = services.submit_appeal(
        actor=None,
        category=world["wages"],
        description=f"{text}，请尽快处理。",
        channel=Channel.HOTLINE,
        anonymous=True,
        contact_mobile="13912345678",
        region=world["a"]["town"],
        now=NOW - dt.timedelta(hours=3),
    )
    appeal = submission.appeal
    Appeal.objects.filter(pk=appeal.pk).update(
        status=status,
        accept_due_at=accept_due,
        reply_due_at=reply_due,
        department=department or world["renshe"],
    )
    return appeal


@pytest.fixture
def todo_world(world):
    hour = dt.timedelta(hours=1)
    a = {
        "to_accept": _appeal(
            world, status=Status.SUBMITTED, accept_due=NOW + hour, reply_due=NOW + 40 * hour
        ),
        "due_soon": _appeal(
            world, status=Status.ACCEPTED, accept_due=NOW - 2 * hour, reply_due=NOW + 5 * hour
        ),
        "due_later": _appeal(
            world, status=Status.ACCEPTED, accept_due=NOW - 2 * hour, reply_due=NOW + 48 * hour
        ),
        "overdue": _appeal(
            world, status=Status.REOPENED, accept_due=NOW - 9 * hour, reply_due=NOW - 3 * hour
        ),
        "replied_late": _appeal(
            world, status=Status.REPLIED, accept_due=NOW - 9 * hour, reply_due=NOW - 3 * hour
        ),
        "other_department": _appeal(
            world,
            status=Status.SUBMITTED,
            accept_due=NOW + hour,
            reply_due=NOW + 40 * hour,
            department=world["jiaotong"],
        ),
    }
    return {**world, "appeals": a}


def _section(html: str, key: str) -> str:
    match = re.search(rf'<section class="card h-100" id="todo-{key}">(.*?)</section>', html, re.S)
    assert match is not None, key
    return match.group(1)


def _links(section: str) -> set[str]:
    return set(re.findall(r'href="(/appeals/\d+/)"', section))


@time_machine.travel(NOW, tick=False)
def test_handler_home_lists_their_to_do_linking_to_each_appeal(client, todo_world):
    a = todo_world["appeals"]
    client.force_login(todo_world["handler"])
    html = client.get("/").content.decode()

    expected = {
        "appeals_to_accept": {a["to_accept"]},
        "appeals_due_soon": {a["due_soon"]},
        "overdue_appeals": {a["overdue"]},
    }
    for key, appeals in expected.items():
        section = _section(html, key)
        assert _links(section) == {reverse("appeals:detail", args=[x.pk]) for x in appeals}
        assert f"{len(appeals)} 件" in section
        for x in appeals:
            assert x.tracking_no in section
    # Deadlines in Beijing time: accept due 11:00, the overdue reply was due at 07:00.
    assert "受理时限：2026-11-10 11:00" in _section(html, "appeals_to_accept")
    overdue = _section(html, "overdue_appeals")
    assert "答复时限：2026-11-10 07:00" in overdue and "已超时" in overdue
    # Another department's appeal and one already replied are nobody's to-do here.
    for key in ("other_department", "replied_late", "due_later"):
        assert a[key].tracking_no not in html


@time_machine.travel(NOW, tick=False)
def test_to_do_counts_open_lists_with_as_many_rows(client, todo_world):
    """The count on the home page and the list behind it come from one query function."""
    client.force_login(todo_world["handler"])
    html = client.get("/").content.decode()
    for key in ("appeals_to_accept", "appeals_due_soon", "overdue_appeals"):
        figure = queries.APPEAL_FIGURES[key]
        shown = int(re.search(r"(\d+) 件</span>", _section(html, key)).group(1))
        page = client.get(figure.url)
        assert page.context["page"].paginator.count == shown
        assert {x.pk for x in page.context["page"].object_list} == set(
            figure.rows(todo_world["handler"]).values_list("pk", flat=True)
        )
        assert f'<span id="figure-count">{shown}</span>' in page.content.decode()


def test_more_rows_than_shown_are_counted_in_full(todo_world):
    """The section shows the first rows; the count and "查看全部" cover all of them."""
    from gigbranch.cockpit import queries as cockpit_queries

    hour = dt.timedelta(hours=1)
    for _ in range(3):
        _appeal(todo_world, status=Status.SUBMITTED, accept_due=NOW + hour, reply_due=NOW + hour)
    with time_machine.travel(NOW, tick=False):
        sections = cockpit_queries.to_do_sections(todo_world["handler"], limit=2)
    to_accept = next(s for s in sections if s.figure.key == "appeals_to_accept")
    assert (len(to_accept.rows), to_accept.total) == (2, 4)


@time_machine.travel(NOW, tick=False)
def test_due_soon_and_overdue_boundaries(todo_world):
    handler = todo_world["handler"]
    edge_soon = _appeal(
        todo_world, status=Status.ACCEPTED, accept_due=NOW, reply_due=NOW + queries.DUE_SOON
    )
    edge_now = _appeal(todo_world, status=Status.ACCEPTED, accept_due=NOW, reply_due=NOW)
    soon = set(queries.appeals_due_soon(handler).values_list("pk", flat=True))
    overdue = set(queries.overdue_open_appeals(handler).values_list("pk", flat=True))
    assert edge_soon.pk in soon and edge_soon.pk not in overdue
    # Due this very minute: still in time (rules.is_overdue needs now > due), so "soon";
    # every open appeal is in exactly one of the two or neither, never lost between them.
    assert edge_now.pk in soon and edge_now.pk not in overdue


def test_county_admin_home_has_no_handler_to_do(client, todo_world):
    client.force_login(todo_world["county_admin"])
    html = client.get("/").content.decode()
    assert 'id="todo"' not in html
    assert 'data-figure="open_appeals"' in html
