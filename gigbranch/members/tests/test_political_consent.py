"""Political status (政治面貌) is sensitive personal information (PIPL arts. 28–29): staff
pages, filters and the API disclose it only with the worker's latest separate consent
granted — a worker with no record at all shows "未授权". A worker with a Party member
record is the exception: the membership relation is held by the Party organisation, so
users who can see that member record (people.view, in scope) see the membership facts."""

import pytest

from gigbranch.members import consent
from gigbranch.members.models import MemberKind, PartyMember
from gigbranch.organizations.queries import full_members_by_workplace
from tests.factories import OrganizationFactory, UserFactory, WorkerFactory

pytestmark = pytest.mark.django_db

LABEL = consent.UNDISCLOSED_LABEL  # "未授权"


def _political_cell(html: str, worker) -> str:
    """The list row's political-status cell for `worker`."""
    row = html.split(f'data-worker="{worker.pk}"', 1)[1].split("</tr>", 1)[0]
    return row.split('class="political"', 1)[1].split("</td>", 1)[0]


def _detail_value(html: str) -> str:
    return html.split('id="political-status"', 1)[1].split("</dd>", 1)[0]


@pytest.fixture
def setup(two_townships):
    a = two_townships["a"]
    worker = a["worker"]  # party member on the platform's roster, no member record here
    worker.political_status = "party_member"
    worker.save(update_fields=["political_status"])
    return a, worker


def _record(a, worker, granted):
    consent.record_consent(
        actor=a["admin"],
        worker=worker,
        purpose="political_status",
        granted=granted,
        method="书面同意" if granted else "书面撤回",
    )


def test_no_record_shows_undisclosed_on_profile_list_and_api(client, setup):
    a, worker = setup
    assert not worker.consents.exists()
    client.force_login(a["admin"])
    detail = client.get(f"/people/workers/{worker.pk}/").content.decode()
    assert LABEL in _detail_value(detail) and "中共党员" not in _detail_value(detail)
    # The mobile-member form (offered to party members) would give it away too.
    assert 'id="mobile-form"' not in detail
    listing = client.get("/people/workers/").content.decode()
    assert LABEL in _political_cell(listing, worker)
    body = client.get(f"/api/v1/members/workers/{worker.pk}").json()
    assert (body["political_status"], body["political_status_label"]) == ("undisclosed", LABEL)
    items = client.get("/api/v1/members/workers").json()["items"]
    assert [(x["political_status"], x["political_status_label"]) for x in items] == [
        ("undisclosed", LABEL)
    ]
    assert consent.political_status_label(a["admin"], worker) == LABEL


@pytest.mark.parametrize("value", ["party_member", "masses"])
def test_filter_does_not_reveal_non_consenting_workers(client, setup, value):
    a, worker = setup
    masses = WorkerFactory(region=a["town"], workplace=a["workplace"])  # no record either
    client.force_login(a["admin"])
    page = client.get("/people/workers/", {"political": value}).content.decode()
    assert worker.name not in page and masses.name not in page
    assert "共 0 人" in page
    _record(a, worker, True)
    _record(a, masses, True)
    page = client.get("/people/workers/", {"political": value}).content.decode()
    expected, other = (worker, masses) if value == "party_member" else (masses, worker)
    assert expected.name in page and other.name not in page
    # Withdrawn again: gone from the filtered list, 未授权 in the plain list.
    _record(a, expected, False)
    page = client.get("/people/workers/", {"political": value}).content.decode()
    assert expected.name not in page
    listing = client.get("/people/workers/").content.decode()
    assert LABEL in _political_cell(listing, expected)


def test_withdrawn_consent_hides_it(client, setup):
    a, worker = setup
    _record(a, worker, True)
    _record(a, worker, False)
    client.force_login(a["admin"])
    detail = client.get(f"/people/workers/{worker.pk}/").content.decode()
    assert LABEL in _detail_value(detail)
    assert client.get(f"/api/v1/members/workers/{worker.pk}").json()["political_status"] == (
        "undisclosed"
    )


def test_granted_consent_shows_it(client, setup):
    a, worker = setup
    _record(a, worker, True)
    client.force_login(a["admin"])
    detail = client.get(f"/people/workers/{worker.pk}/").content.decode()
    assert "中共党员" in _detail_value(detail)
    assert "中共党员" in _political_cell(client.get("/people/workers/").content.decode(), worker)
    body = client.get(f"/api/v1/members/workers/{worker.pk}").json()
    assert (body["political_status"], body["political_status_label"]) == (
        "party_member",
        "中共党员",
    )


def test_member_record_keeps_membership_visible_in_scope(client, setup):
    """No consent record, but a member record: visible to people.view users who can see
    the member; a user who sees the worker but not the member record sees 未授权."""
    a, worker = setup
    other_branch = OrganizationFactory(name="县外流动党员党支部", kind="branch", parent=None)
    PartyMember.objects.create(worker=worker, organization=other_branch, kind=MemberKind.FULL)
    # Sees the worker through the workplace's branch, not the member's branch.
    secretary = UserFactory(role="branch_secretary", scope_organization=a["branch"])
    assert consent.political_status_label(secretary, worker) == LABEL
    client.force_login(secretary)
    assert LABEL in _political_cell(client.get("/people/workers/").content.decode(), worker)
    page = client.get("/people/workers/", {"political": "party_member"}).content.decode()
    assert worker.name not in page
    # The township admin sees the member record (region scope): membership stays visible,
    # also after a withdrawal of the separate consent.
    _record(a, worker, False)
    assert consent.political_status_label(a["admin"], worker) == "中共党员"
    client.force_login(a["admin"])
    assert "中共党员" in _political_cell(client.get("/people/workers/").content.decode(), worker)
    page = client.get("/people/workers/", {"political": "party_member"}).content.decode()
    assert worker.name in page
    assert client.get(f"/api/v1/members/workers/{worker.pk}").json()["political_status"] == (
        "party_member"
    )
    # Without the members capability (people.view) nothing is disclosed.
    handler = UserFactory(role="department_handler")
    assert consent.political_status_label(handler, worker) == LABEL


def test_aggregate_counts_do_not_depend_on_consent(setup):
    a, worker = setup
    PartyMember.objects.create(worker=worker, organization=a["branch"], kind=MemberKind.FULL)
    assert not worker.consents.exists()
    assert full_members_by_workplace([a["workplace"].pk]) == {a["workplace"].pk: 1}
    _record(a, worker, False)
    assert full_members_by_workplace([a["workplace"].pk]) == {a["workplace"].pk: 1}


def test_labels_in_bulk_use_a_fixed_number_of_queries(setup, django_assert_max_num_queries):
    a, worker = setup
    workers = [worker, *(WorkerFactory(region=a["town"]) for _ in range(5))]
    _record(a, workers[1], True)
    with django_assert_max_num_queries(2):
        labels = consent.political_status_labels(a["admin"], workers)
    assert labels[worker.pk] == LABEL and labels[workers[1].pk] == "群众"


def test_mobile_member_form_is_no_oracle_without_consent(client, setup):
    """Registering a mobile member needs the disclosed status; the refusal is the same
    for a roster party member and for anyone else, and changes nothing."""
    a, worker = setup
    masses = WorkerFactory(region=a["town"], workplace=a["workplace"])
    client.force_login(a["admin"])
    data = {"outflow_org_name": "中共某镇委员会", "outflow_org_region": "安徽省阜阳市"}
    texts = []
    for w in (worker, masses):
        r = client.post(f"/people/workers/{w.pk}/mobile/", data, follow=True)
        assert r.status_code == 200
        texts.append([str(m) for m in r.context["messages"]])
    assert texts[0] == texts[1] and "单独同意" in texts[0][0]
    assert not PartyMember.objects.exists()
    # With the consent recorded the form is offered and works.
    _record(a, worker, True)
    assert 'id="mobile-form"' in client.get(f"/people/workers/{worker.pk}/").content.decode()
    client.post(f"/people/workers/{worker.pk}/mobile/", data)
    assert PartyMember.objects.get(worker=worker).is_mobile


def test_list_annotation_filter_and_labels_agree(setup):
    """The three readers of the rule (page annotation, filter, labels) agree, also when two
    records share a timestamp (the later row wins)."""
    from django.utils import timezone

    from gigbranch.members.models import ConsentRecord, Worker

    a, _worker = setup
    at = timezone.now()
    histories = [(), (True,), (False,), (True, False), (False, True), (True, True, False)]
    workers = []
    for history in histories:
        w = WorkerFactory(region=a["town"], political_status="masses")
        ConsentRecord.objects.bulk_create(
            ConsentRecord(
                worker=w, purpose="political_status", granted=g, method="书面", recorded_at=at
            )
            for g in history
        )
        workers.append(w)
    expected = {w.pk for w, h in zip(workers, histories, strict=True) if h and h[-1]}
    ids = [w.pk for w in workers]
    qs = Worker.objects.filter(pk__in=ids)
    annotated = {
        w.pk for w in consent.with_political_disclosure(a["admin"], qs) if w.political_disclosed
    }
    filtered = set(
        consent.filter_political_status(a["admin"], qs, "masses").values_list("pk", flat=True)
    )
    assert annotated == filtered == consent.disclosed_worker_ids(a["admin"], ids) == expected
