"""The network counts people only through organizations.headcounts (ADR 0049)."""

from gigbranch.members.models import MemberStatus
from gigbranch.organizations import queries
from gigbranch.organizations.headcounts import people


def test_people_counts_are_registered_by_the_people_domain():
    from gigbranch.members.headcounts import PeopleCounts

    assert isinstance(people(), PeopleCounts)


def test_in_standing_statuses_agree_with_the_people_domain():
    expected = (MemberStatus.NORMAL.value, MemberStatus.LOST_CONTACT.value)
    assert expected == queries.IN_STANDING
    assert people().in_standing_statuses == expected
