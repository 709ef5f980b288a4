"""MOB-3: transfer-letter validity is a setting of the issuing organisation, inherited down
the tree (nearest ancestor with a value), with settings.MEMBERS_TRANSFER_LETTER_DAYS as the
final default; 30–180 days; editing needs org.change on that organisation and is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from gigbranch.core.models import AuditEvent
from gigbranch.organizations import services
from gigbranch.organizations.models import Organization
from gigbranch.organizations.queries import transfer_letter_validity
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTION = "organization.transfer_letter_days_set"


def _days(org: Organization) -> int | None:
    return Organization.objects.values_list("transfer_letter_days", flat=True).get(pk=org.pk)


def test_inheritance_nearest_ancestor_then_global_default(two_townships, settings):
    settings.MEMBERS_TRANSFER_LETTER_DAYS = 90
    root, a, b = two_townships["root"], two_townships["a"], two_townships["b"]
    group = OrganizationFactory(name="甲镇党小组", kind="party_group", parent=a["branch"])

    # Nothing set anywhere: the global setting, no source organisation.
    v = transfer_letter_validity(a["branch"])
    assert (v.days, v.source) == (90, None)
    assert v.source_label == "系统默认"

    # The county root sets 180: every organisation below inherits it.
    services.set_transfer_letter_days(actor=None, organization=root, days=180)
    for org in (a["committee"], a["branch"], group, b["branch"]):
        v = transfer_letter_validity(Organization.objects.get(pk=org.pk))
        assert (v.days, v.source) == (180, root)

    # The township committee of 甲镇 sets 60: its subtree uses the nearest value.
    services.set_transfer_letter_days(actor=None, organization=a["committee"], days=60)
    v = transfer_letter_validity(a["branch"])
    assert (v.days, v.source, v.source_label) == (60, a["committee"], "甲镇党委设置")
    assert transfer_letter_validity(group).days == 60
    assert transfer_letter_validity(b["branch"]).days == 180  # the other township: unchanged

    # The branch's own value wins over its ancestors'.
    services.set_transfer_letter_days(actor=None, organization=a["branch"], days=120)
    assert transfer_letter_validity(a["branch"]).days == 120
    assert transfer_letter_validity(group).source == a["branch"]
    assert transfer_letter_validity(a["committee"]).days == 60

    # Clearing a value falls back to the next ancestor, then to the global setting.
    services.set_transfer_letter_days(actor=None, organization=a["branch"], days=None)
    assert transfer_letter_validity(a["branch"]).days == 60
    services.set_transfer_letter_days(actor=None, organization=a["committee"], days=None)
    services.set_transfer_letter_days(actor=None, organization=root, days=None)
    settings.MEMBERS_TRANSFER_LETTER_DAYS = 45
    assert transfer_letter_validity(a["branch"]).days == 45
    # No issuing organisation (a letter from outside the county): the global setting.
    assert transfer_letter_validity(None).days == 45


def test_many_organisations_resolved_in_one_query(two_townships, django_assert_num_queries):
    from gigbranch.organizations.queries import transfer_letter_validities

    a, b = two_townships["a"], two_townships["b"]
    services.set_transfer_letter_days(actor=None, organization=a["committee"], days=150)
    with django_assert_num_queries(1):
        got = transfer_letter_validities([a["branch"], b["branch"], a["committee"]])
    assert got[a["branch"].pk].days == 150 and got[a["committee"].pk].days == 150
    assert got[b["branch"].pk].source is None


@pytest.mark.parametrize("days", [0, 1, 29, 181, 365, -30])
def test_out_of_bounds_refused_with_chinese_error_nothing_changes(two_townships, days):
    a = two_townships["a"]
    services.set_transfer_letter_days(actor=a["admin"], organization=a["committee"], days=90)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.set_transfer_letter_days(actor=a["admin"], organization=a["committee"], days=days)
    assert exc.value.message_dict == {"transfer_letter_days": ["介绍信有效期应在30至180天之间。"]}
    assert _days(a["committee"]) == 90
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("days", [30, 180])
def test_bounds_are_inclusive_and_audited(two_townships, days):
    a = two_townships["a"]
    services.set_transfer_letter_days(actor=a["admin"], organization=a["branch"], days=days)
    assert _days(a["branch"]) == days
    event = AuditEvent.objects.get(action=ACTION)
    assert event.actor == a["admin"]
    assert event.object_id == str(a["branch"].pk)
    assert event.changes == {"transfer_letter_days": [None, days]}


def test_database_refuses_out_of_bounds_too(two_townships):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=two_townships["a"]["branch"].pk).update(
            transfer_letter_days=200
        )


@pytest.mark.parametrize("who", ["secretary", "inspector", "other_township"])
def test_user_without_org_change_on_the_organisation_cannot_change_it(two_townships, who):
    a, b = two_townships["a"], two_townships["b"]
    user = {
        "secretary": lambda: UserFactory(role="branch_secretary", scope_organization=a["branch"]),
        "inspector": lambda: UserFactory(role="inspector", scope_region=two_townships["county"]),
        "other_township": lambda: b["admin"],
    }[who]()
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.set_transfer_letter_days(actor=user, organization=a["branch"], days=60)
    assert _days(a["branch"]) is None
    assert AuditEvent.objects.count() == events


# --- the settings panel on the organisation page -------------------------------------------


def test_panel_shows_effective_value_and_saves(client_for, two_townships):
    a = two_townships["a"]
    c = client_for(a["admin"])
    url = reverse("organizations:detail", args=[a["branch"].pk])
    page = c.get(url).content.decode()
    assert 'id="transfer-letter-days"' in page
    assert "90 天" in page and "系统默认" in page

    r = c.post(
        reverse("organizations:transfer_letter_days", args=[a["committee"].pk]),
        {"transfer_letter_days": "60"},
    )
    assert r.status_code == 302 and r["Location"] == reverse(
        "organizations:detail", args=[a["committee"].pk]
    )
    assert _days(a["committee"]) == 60
    assert AuditEvent.objects.get(action=ACTION).actor == a["admin"]

    page = c.get(url).content.decode()
    assert "60 天" in page and "沿用甲镇党委设置" in page

    # An empty value clears the organisation's own setting (inherit again).
    r = c.post(
        reverse("organizations:transfer_letter_days", args=[a["committee"].pk]),
        {"transfer_letter_days": ""},
    )
    assert r.status_code == 302 and _days(a["committee"]) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("29", "介绍信有效期应在30至180天之间。"),
        ("181", "介绍信有效期应在30至180天之间。"),
        ("abc", "请填写整数天数。"),
        ("90.5", "请填写整数天数。"),
    ],
)
def test_panel_bad_value_is_400_with_chinese_error(client_for, two_townships, value, message):
    a = two_townships["a"]
    c = client_for(a["admin"])
    r = c.post(
        reverse("organizations:transfer_letter_days", args=[a["branch"].pk]),
        {"transfer_letter_days": value},
    )
    assert r.status_code == 400
    assert f"介绍信有效期：{message}" in r.content.decode()
    assert _days(a["branch"]) is None
    assert not AuditEvent.objects.filter(action=ACTION).exists()


def test_panel_denied_without_org_change(client_for, two_townships):
    a, b = two_townships["a"], two_townships["b"]
    secretary = UserFactory(role="branch_secretary", scope_organization=a["branch"])
    c = client_for(secretary)
    page = c.get(reverse("organizations:detail", args=[a["branch"].pk])).content.decode()
    assert 'id="transfer-letter-days"' in page  # the effective value is shown to readers
    assert 'name="transfer_letter_days"' not in page  # but no form
    url = reverse("organizations:transfer_letter_days", args=[a["branch"].pk])
    assert c.post(url, {"transfer_letter_days": "60"}).status_code == 403
    # Another township's administrator: not in scope.
    c = client_for(b["admin"])
    assert c.post(url, {"transfer_letter_days": "60"}).status_code == 404
    assert _days(a["branch"]) is None
    assert not AuditEvent.objects.filter(action=ACTION).exists()
