"""Staff pages: the 办理 card offers only the moves left (none after the reply), and the
hotline intake form uses the console's form layout."""

import re

import pytest

from gigbranch.appeals import rules, services
from gigbranch.appeals.models import Channel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "extension_used", "return_used", "expected"),
    [
        ("submitted", False, False, ["accept", "return"]),
        ("submitted", False, True, ["accept"]),
        ("accepted", False, False, ["reply", "extend", "return"]),
        ("accepted", True, True, ["reply"]),
        ("reopened", False, False, ["reply", "extend"]),
        ("reopened", True, False, ["reply"]),
        ("replied", False, False, []),
        ("closed", False, False, []),
        ("returned", False, True, []),
        ("withdrawn", False, False, []),
    ],
)
def test_handler_actions_follow_the_transition_table(status, extension_used, return_used, expected):
    assert (
        rules.handler_actions(status, extension_used=extension_used, return_used=return_used)
        == expected
    )


def _hotline_appeal(world):
    return services.submit_appeal(
        actor=None,
        category=world["wages"],
        description="热线反映工资拖欠问题",
        channel=Channel.HOTLINE,
        region=world["a"]["town"],
        contact_mobile="13900001111",
    ).appeal


def _card(html):
    m = re.search(r'<div class="card mb-3" id="handle-actions">(.*?)</div>\s*</div>', html, re.S)
    return m.group(1) if m else None


def test_handle_card_shows_the_moves_left_and_disappears_after_the_reply(client, world):
    a = _hotline_appeal(world)
    client.force_login(world["handler"])
    card = _card(client.get(f"/appeals/{a.pk}/").content.decode())
    assert card is not None
    assert 'id="btn-accept"' in card and "退回理由" in card and 'id="btn-reply"' not in card

    client.post(f"/appeals/{a.pk}/accept/")
    card = _card(client.get(f"/appeals/{a.pk}/").content.decode())
    assert 'id="btn-reply"' in card and "延期理由" in card and 'id="btn-accept"' not in card

    client.post(f"/appeals/{a.pk}/reply/", {"text": "已督促站点发放工资"})
    a.refresh_from_db()
    assert a.status == "replied"
    html = client.get(f"/appeals/{a.pk}/").content.decode()
    assert 'id="handle-actions"' not in html
    assert ">办理</h2>" not in html
    assert "已督促站点发放工资" in html  # the reply is still shown in the details


def test_hotline_intake_form_uses_the_console_form_layout(client, world):
    client.force_login(world["a"]["admin"])
    r = client.get("/appeals/new/", follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    assert _intake_form_tag(html) == '<form method="post" class="gb-form" novalidate>'
    # Bad input: the page comes back with the Chinese field errors inside the same layout.
    r = client.post(r.redirect_chain[-1][0], {"form_token": r.context["form_token"]})
    assert r.status_code == 200
    html = r.content.decode()
    assert _intake_form_tag(html) == '<form method="post" class="gb-form" novalidate>'
    assert r.context["form"].errors["description"] == ["这个字段是必填项。"]
    assert (
        '<ul class="errorlist" id="id_description_error"><li>这个字段是必填项。</li></ul>' in html
    )


def _intake_form_tag(html):
    """The opening tag of the form that carries the one-time form token (APL-5)."""
    before = html[: html.index('name="form_token"')]
    return "<form" + before.rsplit("<form", 1)[1].split(">", 1)[0] + ">"
