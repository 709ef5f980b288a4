"""Vanguard team (党员先锋队) member picker: a township admin searches members by name and
by the last 4 ID digits, picks two as chips (and drops a third), chooses the leader, saves
and sees both on the team page. On a desktop and on a phone."""

import pytest
from django.urls import reverse

from gigbranch.members.models import VanguardTeam
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, PartyMemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _member(t, name):
    return PartyMemberFactory(
        worker__name=name,
        worker__region=t["town"],
        worker__workplace=t["workplace"],
        organization=t["branch"],
    )


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_pick_two_members_by_search_and_save(request, two_townships, device):
    page = request.getfixturevalue(device)
    a, b = two_townships["a"], two_townships["b"]
    zhao1, zhao2 = _member(a, "赵一鸣"), _member(a, "赵二虎")
    qian = _member(a, "钱三多")
    outsider = _member(b, "赵乙镇")
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            csp_errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text and "script" in m.text
            else None
        ),
    )

    login(page, a["admin"].username, PASSWORD)
    page.goto(reverse("members:vanguard_team_create"))
    assert page.locator("select[name=members], select[name=leader]").count() == 0
    page.fill("#id_name", "骑手先锋队")
    page.select_option("#id_workplace", label=a["workplace"].name)

    # Search by name: only this township's members are offered.
    results = page.locator("#vanguard-results")
    page.locator("#vanguard-member-q").press_sequentially("赵", delay=50)
    results.locator(f'[data-member-id="{zhao1.pk}"]').wait_for()
    assert results.locator(f'[data-member-id="{outsider.pk}"]').count() == 0
    assert "赵乙镇" not in results.inner_text()
    screenshot(page, f"vanguard-00-search-{device}")
    results.locator(f'[data-member-id="{zhao1.pk}"]').click()
    results.locator(f'[data-member-id="{zhao2.pk}"]').click()
    chips = page.locator("#vanguard-chips")
    assert chips.locator("[data-chip]").count() == 2
    assert results.locator(f'[data-member-id="{zhao1.pk}"]').get_attribute("aria-pressed") == (
        "true"
    )
    # The first pick leads until someone else is chosen.
    assert page.locator(f"#leader-{zhao1.pk}").is_checked()

    # Drop one again with its chip's remove button.
    chips.locator(f'[data-chip="{zhao2.pk}"] [data-chip-remove]').click()
    assert chips.locator("[data-chip]").count() == 1

    # Search by the last 4 ID digits (blind index) and pick the second member.
    search = page.locator("#vanguard-member-q")
    search.fill("")
    search.press_sequentially(qian.worker.id_number[-4:], delay=50)
    results.locator(f'[data-member-id="{qian.pk}"]').wait_for()
    assert qian.worker.id_number not in results.inner_text()  # masked in the results
    search.press("Enter")  # searching must not submit the form
    results.locator(f'[data-member-id="{qian.pk}"]').click()
    page.locator(f"label[for=leader-{qian.pk}]").click()
    assert page.locator(f"#leader-{qian.pk}").is_checked()
    assert chips.locator("[data-chip]").count() == 2
    assert VanguardTeam.objects.count() == 0
    screenshot(page, f"vanguard-01-picker-{device}")

    page.click("#vanguard-team-form button[type=submit]")
    page.wait_for_url(f"**{reverse('members:vanguard_teams')}")
    row = page.locator("tr", has_text="骑手先锋队")
    text = row.inner_text()
    assert "赵一鸣" in text and "钱三多" in text and "赵二虎" not in text
    assert "2人" in text
    screenshot(page, f"vanguard-02-team-page-{device}")

    team = VanguardTeam.objects.get()
    assert team.leader == qian and set(team.members.all()) == {zhao1, qian}
    assert csp_errors == []


def test_edit_a_team_spanning_two_townships_keeps_the_other_members(desktop, two_townships):
    """Township A's admin edits a team with a member from township B: the form names only
    A's members, says one more is kept, and saving keeps that member."""
    from gigbranch.members import services

    page = desktop
    a, b = two_townships["a"], two_townships["b"]
    lead, mine, theirs = _member(a, "孙队长"), _member(a, "周队员"), _member(b, "吴乙镇")
    team = services.create_vanguard_team(
        actor=None,
        name="跨镇先锋队",
        leader=lead,
        members=[mine, theirs],
        workplace=a["workplace"],
        year=2026,
    )
    login(page, a["admin"].username, PASSWORD)
    page.goto(reverse("members:vanguard_team_edit", args=[team.pk]))
    notice = page.locator("#vanguard-hidden-members")
    assert "另有1名队员不在您的管理范围，保存时保持不变。" in notice.inner_text()
    assert "吴乙镇" not in page.content()
    chips = page.locator("#vanguard-chips")
    chips.locator(f'[data-chip="{mine.pk}"] [data-chip-remove]').click()
    assert chips.locator("[data-chip]").count() == 1
    screenshot(page, "vanguard-03-edit-across-townships-desktop")
    page.click("#vanguard-team-form button[type=submit]")
    page.wait_for_url(f"**{reverse('members:vanguard_teams')}")
    assert "（另有1人不在您的管理范围）" in page.locator("tr", has_text="跨镇先锋队").inner_text()
    assert set(team.members.all()) == {lead, theirs}
