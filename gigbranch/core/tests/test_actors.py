"""The explicit system actor (core.actors, ADR 0049)."""

import pytest

from gigbranch.core import actors, audit
from gigbranch.core.models import AuditEvent
from gigbranch.core.permissions import can
from tests.factories import UserFactory


def test_a_system_actor_is_audited_as_the_system_with_its_reason():
    event = audit.build(actor=actors.SCHEDULER, action="x.done", changes={"n": 1})
    assert (event.actor, event.actor_username, event.actor_role) == (None, "系统", "system")
    assert event.changes == {"n": 1, "system_reason": "定时任务"}


def test_nobody_is_not_the_system():
    event = audit.build(actor=None, action="login.failed")
    assert (event.actor_username, event.actor_role, event.changes) == ("", "", {})
    assert actors.is_system(None) is False


@pytest.mark.django_db
def test_a_person_is_audited_as_themself():
    user = UserFactory(username="u1", role="county_admin")
    event = audit.record(actor=user, action="x.done")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_username, stored.actor_role) == (
        user.pk,
        "u1",
        "county_admin",
    )
    assert stored.changes == {}


def test_the_system_is_granted_no_action_as_a_person():
    # Services decide for the system explicitly; the action rules answer only for people.
    assert can(actors.TASK_WORKER, "appeals.intake") is False
    assert str(actors.IMPORT) == "系统（批量导入）"
