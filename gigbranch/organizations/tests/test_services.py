"""Writes: moving a subtree, committees, workplaces; denied actions change nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gigbranch.core.models import AuditEvent
from gigbranch.organizations import services
from gigbranch.organizations.models import CoverageMode, Organization, OrgKind, path_segment
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def snapshot():
    return list(Organization.objects.order_by("pk").values_list("pk", "parent_id", "path"))


def test_move_subtree_updates_every_path_in_one_statement(network, django_assert_max_num_queries):
    group = OrganizationFactory(
        name="党小组",
        kind=OrgKind.PARTY_GROUP,
        region=network["town_a"],
        parent=network["branch_a"],
    )
    target = network["committee_a"]
    # 11 for the move and its audit row, plus the audit chain's head (ADR 0046): up to four
    # on the day's first audited write (read, create, lock, advance).
    with django_assert_max_num_queries(15):
        moved = services.move_subtree(
            actor=network["county_admin"], organization=network["branch_a"], new_parent=target
        )
    assert moved == 2
    branch = Organization.objects.get(pk=network["branch_a"].pk)
    group.refresh_from_db()
    assert branch.parent_id == target.pk
    assert branch.path == target.path + path_segment(branch.pk)
    assert group.path == branch.path + path_segment(group.pk)
    event = AuditEvent.objects.get(action="organization.moved")
    assert event.object_id == str(branch.pk)
    assert event.changes["subtree_size"] == 2
    assert event.changes["parent"] == [network["industry"].pk, target.pk]


def test_move_into_own_subtree_is_refused(network):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.move_subtree(
            actor=network["county_admin"],
            organization=network["industry"],
            new_parent=network["branch_a"],
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("user", "node", "target"),
    [
        ("inspector", "branch_a", "committee_a"),  # no org.change
        ("secretary_a", "branch_a", "committee_a"),  # branch secretary: no org.change
        ("town_a_admin", "branch_a", "committee_b"),  # target outside the township
        ("town_a_admin", "branch_b", "committee_a"),  # source outside the township
        ("industry_admin", "branch_a", "committee_a"),  # target outside the industry line
    ],
)
def test_move_denied_changes_nothing(network, user, node, target):
    before = snapshot()
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.move_subtree(
            actor=network[user], organization=network[node], new_parent=network[target]
        )
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


def test_industry_admin_moves_inside_the_line(network):
    general = OrganizationFactory(
        name="总支",
        kind=OrgKind.GENERAL_BRANCH,
        region=network["county"],
        parent=network["industry"],
    )
    services.move_subtree(
        actor=network["industry_admin"], organization=network["branch_b"], new_parent=general
    )
    assert Organization.objects.get(pk=network["branch_b"].pk).path.startswith(general.path)


def test_workplace_coverage_validation(network):
    with pytest.raises(ValidationError):
        services.create_workplace(
            actor=network["county_admin"],
            name="站",
            kind="express_outlet",
            region=network["town_a"],
            coverage_mode=CoverageMode.OWN_BRANCH,
        )
    with pytest.raises(ValidationError):
        services.create_workplace(
            actor=network["county_admin"],
            name="站",
            kind="express_outlet",
            region=network["town_a"],
            coverage_mode=CoverageMode.JOINT_BRANCH,
            organization=network["branch_a"],
        )
    wp = services.create_workplace(
        actor=network["county_admin"],
        name="站",
        kind="express_outlet",
        region=network["town_a"],
        credit_code="",
    )
    assert wp.credit_code is None


def test_township_admin_cannot_create_in_other_township(network):
    with pytest.raises(PermissionDenied):
        services.create_workplace(
            actor=network["town_a_admin"],
            name="站",
            kind="express_outlet",
            region=network["town_b"],
        )
    with pytest.raises(PermissionDenied):
        services.create_organization(
            actor=network["town_a_admin"],
            parent=network["committee_b"],
            name="x",
            kind="branch",
            region=network["town_a"],
        )


def test_committee_members_are_audited(network):
    row = services.add_committee_member(
        actor=network["county_admin"],
        organization=network["branch_a"],
        post="organization",
        person_name=" 周委员 ",
    )
    assert row.person_name == "周委员"
    services.remove_committee_member(actor=network["county_admin"], committee_member=row)
    assert list(
        AuditEvent.objects.filter(object_id=str(network["branch_a"].pk))
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["organization.committee_added", "organization.committee_removed"]


def test_ruleset_values_checked(network):
    with pytest.raises(ValidationError):
        services.set_ruleset(actor=network["county_admin"], region=None, committee_min_size=6)
    with pytest.raises(ValidationError):
        services.set_ruleset(actor=network["county_admin"], region=None, unknown=1)
