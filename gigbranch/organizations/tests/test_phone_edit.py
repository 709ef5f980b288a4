"""Edit forms never send a stored personal phone number to the browser (DESIGN §2): the
number is shown masked with the audited reveal button; an empty "change" input keeps it, a
new number replaces it (audited, masked), the clear box removes it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from gigbranch.core.models import AuditEvent
from gigbranch.organizations.forms import CLEAR_SUFFIX, InstructorForm
from gigbranch.organizations.models import (
    CommitteeMember,
    CommitteePost,
    Instructor,
    Organization,
    Workplace,
)
from tests.factories import WorkplaceFactory

pytestmark = pytest.mark.django_db

SECRETARY = "13912340000"
CONTACT = "13800001111"
INSTRUCTOR = "13700002222"
WP_CONTACT = "13600003333"


@pytest.fixture
def phones(network):
    org = network["branch_a"]
    Organization.objects.filter(pk=org.pk).update(secretary_phone=SECRETARY, contact_phone=CONTACT)
    CommitteeMember.objects.create(
        organization=org, post=CommitteePost.ORGANIZATION, person_name="李委员", phone=SECRETARY
    )
    inst = Instructor.objects.create(name="赵指导员", phone=INSTRUCTOR, region=network["town_a"])
    wp = WorkplaceFactory(name="甲网点", region=network["town_a"], contact_phone=WP_CONTACT)
    return network | {"org": Organization.objects.get(pk=org.pk), "inst": inst, "wp": wp}


def _post_data(form: Any, **over: str) -> dict[str, Any]:
    """What the browser sends back for the unchanged page."""
    data: dict[str, Any] = {}
    for bf in form:
        value = bf.value()
        if isinstance(value, bool):
            if value:
                data[bf.html_name] = "on"
        elif value is not None:
            data[bf.html_name] = value
    return data | over


def _updates(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_org_edit_page_shows_phones_masked_with_reveal(client, phones):
    client.force_login(phones["county_admin"])
    page = client.get(reverse("organizations:edit", args=[phones["org"].pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert SECRETARY not in html and CONTACT not in html
    assert "139****0000" in html and "138****1111" in html
    assert html.count(">查看完整号码</button>") == 2
    reveal = reverse(
        "organizations:phone_reveal", args=["organization", phones["org"].pk, "secretary_phone"]
    )
    assert reveal in html
    form = page.context["form"]
    assert form["secretary_phone"].value() == "" and form["contact_phone"].value() == ""
    assert form.fields["secretary_phone"].label == "更换书记联系电话"


def test_org_detail_page_shows_committee_phone_masked(client, phones):
    client.force_login(phones["county_admin"])
    html = client.get(reverse("organizations:detail", args=[phones["org"].pk])).content.decode()
    assert SECRETARY not in html and CONTACT not in html and "139****0000" in html


def test_org_save_without_touching_phones_keeps_them(client, phones):
    client.force_login(phones["county_admin"])
    url = reverse("organizations:edit", args=[phones["org"].pk])
    data = _post_data(client.get(url).context["form"], address="甲镇人民路1号")
    assert data["secretary_phone"] == "" and data["contact_phone"] == ""
    response = client.post(url, data)
    assert response.status_code == 302
    org = Organization.objects.get(pk=phones["org"].pk)
    assert (org.secretary_phone, org.contact_phone, org.address) == (
        SECRETARY,
        CONTACT,
        "甲镇人民路1号",
    )
    (event,) = _updates("organization.updated")
    assert set(event.changes) == {"address"}


def test_org_change_phone_is_saved_and_audited_masked(client, phones):
    client.force_login(phones["county_admin"])
    url = reverse("organizations:edit", args=[phones["org"].pk])
    data = _post_data(client.get(url).context["form"], secretary_phone="13511112222")
    assert client.post(url, data).status_code == 302
    org = Organization.objects.get(pk=phones["org"].pk)
    assert (org.secretary_phone, org.contact_phone) == ("13511112222", CONTACT)
    (event,) = _updates("organization.updated")
    assert event.actor == phones["county_admin"]
    assert event.changes == {"secretary_phone": ["139****0000", "135****2222"]}
    assert "13511112222" not in json.dumps(event.changes)


def test_org_clear_box_removes_the_phone(client, phones):
    client.force_login(phones["county_admin"])
    url = reverse("organizations:edit", args=[phones["org"].pk])
    data = _post_data(client.get(url).context["form"], **{f"contact_phone{CLEAR_SUFFIX}": "on"})
    assert client.post(url, data).status_code == 302
    org = Organization.objects.get(pk=phones["org"].pk)
    assert (org.secretary_phone, org.contact_phone) == (SECRETARY, "")
    (event,) = _updates("organization.updated")
    assert event.changes == {"contact_phone": ["138****1111", ""]}


def test_org_edit_denied_out_of_scope_changes_nothing(client, phones):
    client.force_login(phones["town_b_admin"])
    url = reverse("organizations:edit", args=[phones["org"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"secretary_phone": "13511112222"}).status_code == 404
    org = Organization.objects.get(pk=phones["org"].pk)
    assert org.secretary_phone == SECRETARY and not _updates("organization.updated")


def test_reveal_from_the_edit_page_is_audited(client, phones):
    client.force_login(phones["county_admin"])
    html = client.get(reverse("organizations:edit", args=[phones["org"].pk])).content.decode()
    reveal = reverse(
        "organizations:phone_reveal", args=["organization", phones["org"].pk, "contact_phone"]
    )
    assert f'hx-post="{reveal}"' in html
    response = client.post(reveal)
    assert response.status_code == 200 and CONTACT in response.content.decode()
    (event,) = _updates("pii.revealed")
    assert (event.object_id, event.changes) == (str(phones["org"].pk), {"field": "contact_phone"})


def test_instructor_edit_masks_keeps_and_changes(client, phones):
    client.force_login(phones["county_admin"])
    url = reverse("organizations:instructor_edit", args=[phones["inst"].pk])
    page = client.get(url)
    html = page.content.decode()
    assert INSTRUCTOR not in html and "137****2222" in html
    data = _post_data(page.context["form"], work_unit="甲镇党委")
    assert client.post(url, data).status_code == 302
    inst = Instructor.objects.get(pk=phones["inst"].pk)
    assert (inst.phone, inst.work_unit) == (INSTRUCTOR, "甲镇党委")
    assert client.post(url, data | {"phone": "13733334444"}).status_code == 302
    assert Instructor.objects.get(pk=inst.pk).phone == "13733334444"
    events = _updates("instructor.updated")
    assert [e.changes for e in events] == [
        {"work_unit": ["", "甲镇党委"]},
        {"phone": ["137****2222", "137****4444"]},
    ]


def test_workplace_edit_masks_and_keeps(client, phones):
    client.force_login(phones["county_admin"])
    url = reverse("organizations:workplace_edit", args=[phones["wp"].pk])
    page = client.get(url)
    assert WP_CONTACT not in page.content.decode()
    assert "136****3333" in page.content.decode()
    data = _post_data(page.context["form"], address="甲镇新街2号")
    assert client.post(url, data).status_code == 302
    wp = Workplace.objects.get(pk=phones["wp"].pk)
    assert (wp.contact_phone, wp.address) == (WP_CONTACT, "甲镇新街2号")


def test_no_reveal_button_without_pii_reveal(phones):
    form = InstructorForm(instance=phones["inst"], user=phones["inspector"])
    help_text = str(form.fields["phone"].help_text)
    assert "137****2222" in help_text and "查看完整号码" not in help_text


def test_empty_stored_phone_and_new_records_are_plain_inputs(client, phones):
    client.force_login(phones["county_admin"])
    inst = Instructor.objects.create(name="钱指导员", region=phones["town_a"])
    form = client.get(reverse("organizations:instructor_edit", args=[inst.pk])).context["form"]
    assert form.fields["phone"].label == "联系电话" and f"phone{CLEAR_SUFFIX}" not in form.fields
    form = client.get(reverse("organizations:instructor_create")).context["form"]
    assert f"phone{CLEAR_SUFFIX}" not in form.fields
