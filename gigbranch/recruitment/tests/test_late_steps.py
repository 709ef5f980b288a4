"""Late steps against the database (REC-ORDER, docs/adr/0028): a step past its latest date
is kept on its real date with the reason for the delay and raises a finding that cites the
rule; the higher committee reviews it, which closes the finding. Step 17 between 3 and 6
months keeps the higher organisation's consent instead. Too-early steps are still refused.
"""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gigbranch.core.models import AuditEvent, Finding
from gigbranch.core.services import recompute_findings
from gigbranch.recruitment import delays, policy, services
from gigbranch.recruitment.models import (
    CaseEvent,
    SpecialApproval,
    StepDelay,
    StepRecord,
)
from gigbranch.recruitment.policy.deadlines import Consent

from .conftest import drive

pytestmark = pytest.mark.django_db

REASON = "申请人春节返乡，3月初返岗后谈话"
TALK_RULE = "《中国共产党发展党员工作细则》第七条：收到入党申请书后1个月内派人谈话"


def delay_findings():
    return Finding.objects.filter(rule_id="REC-ORDER", object_type="recruitment.stepdelay")


def counts():
    return (
        StepRecord.objects.count(),
        StepDelay.objects.count(),
        SpecialApproval.objects.count(),
        Finding.objects.count(),
        CaseEvent.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def late_talk(rec):
    """Applied 2026-01-31 (last day for the talk 2026-02-28), talk held 2026-03-01."""
    case = services.open_case(
        actor=rec["secretary"],
        worker=rec["applicant"],
        organization=rec["branch"],
        application_date=dt.date(2026, 1, 31),
    )
    record = services.record_step(
        actor=rec["secretary"], case=case, step=2, date=dt.date(2026, 3, 1), delay_reason=REASON
    )
    return case, record


def test_late_talk_is_kept_on_its_real_date_with_reason_finding_and_audit(rec, late_talk):
    case, record = late_talk
    assert record.date == dt.date(2026, 3, 1)
    case.refresh_from_db()
    assert case.last_step == 2 and case.next_step == 3
    delay = StepDelay.objects.get(record=record)
    assert (delay.step, delay.deadline, delay.days_late, delay.reason) == (
        2,
        dt.date(2026, 2, 28),
        1,
        REASON,
    )
    assert (delay.rule_id, delay.rule_source) == (
        "REC-ORDER",
        "《中国共产党发展党员工作细则》第七条",
    )
    assert delay.reviewed_at is None

    f = delay_findings().get()
    assert f.object_id == str(delay.pk)
    assert f.severity == "violation" and f.resolved_at is None
    assert f.summary == (
        f"赵申请（{rec['branch'].name}）：第2步“党组织派人谈话”于2026-03-01完成，超过规定时限1天"
        f"（最迟2026-02-28；依据{TALK_RULE}）。延误原因：{REASON}"
    )
    assert (f.organization_id, f.region_id) == (rec["branch"].pk, rec["town"].pk)
    assert f.facts["case"] == case.pk

    event = AuditEvent.objects.get(action="recruitment.step_recorded", object_id=str(case.pk))
    assert event.changes["late"] == {"deadline": "2026-02-28", "days_late": 1}
    assert CaseEvent.objects.get(case=case, step=2).detail == (
        "党组织派人谈话 2026-03-01（超过规定时限1天）"
    )


def test_late_step_finding_is_scoped_and_survives_the_periodic_check(rec, late_talk):
    f = delay_findings().get()
    first_seen = f.first_seen_at
    recompute_findings(rule_ids=["REC-ORDER"])
    f.refresh_from_db()
    assert f.resolved_at is None and f.first_seen_at == first_seen
    assert delay_findings().count() == 1
    assert Finding.objects.visible_to(rec["secretary"]).filter(pk=f.pk).exists()
    assert Finding.objects.visible_to(rec["admin"]).filter(pk=f.pk).exists()
    assert not Finding.objects.visible_to(rec["b"]["admin"]).filter(pk=f.pk).exists()


def test_late_step_without_reason_is_refused_and_changes_nothing(rec):
    case = services.open_case(
        actor=rec["secretary"],
        worker=rec["applicant"],
        organization=rec["branch"],
        application_date=dt.date(2026, 1, 31),
    )
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            actor=rec["secretary"], case=case, step=2, date=dt.date(2026, 3, 1), delay_reason="  "
        )
    assert list(exc.value.message_dict) == ["delay_reason"]
    assert TALK_RULE in exc.value.message_dict["delay_reason"][0]
    assert counts() == before


def test_too_early_step_is_refused_even_with_a_reason(rec, open_case):
    case = drive(rec, open_case(), 6)
    win = policy.window(7, services.facts_for(case), services.case_rules(case))
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            actor=rec["secretary"],
            case=case,
            step=7,
            date=win.earliest - dt.timedelta(days=1),
            delay_reason="补记",
            notice_start=win.earliest - dt.timedelta(days=20),
            notice_end=win.earliest - dt.timedelta(days=8),
        )
    assert "过早" in exc.value.message_dict["date"][0]
    assert counts() == before


def test_higher_committee_reviews_the_delay_and_the_finding_closes(rec, late_talk):
    _case, record = late_talk
    delay = StepDelay.objects.get(record=record)
    before = counts()
    with pytest.raises(PermissionDenied):  # the branch does not review its own delay
        delays.review_delay(actor=rec["secretary"], delay=delay, note="已说明")
    assert counts() == before and delay_findings().get().resolved_at is None

    delays.review_delay(actor=rec["admin"], delay=delay, note="情况属实，今后按时谈话")
    delay.refresh_from_db()
    assert delay.reviewed_by == rec["admin"] and delay.reviewed_at is not None
    assert delay.review_note == "情况属实，今后按时谈话"
    f = delay_findings().get()
    assert f.resolved_at == delay.reviewed_at
    recompute_findings(rule_ids=["REC-ORDER"])
    f.refresh_from_db()
    assert f.resolved_at is not None  # stays closed, kept in the resolved list
    assert AuditEvent.objects.filter(
        action="recruitment.delay_reviewed", object_id=str(delay.pk)
    ).exists()
    with pytest.raises(ValidationError):
        delays.review_delay(actor=rec["admin"], delay=delay)


@pytest.fixture
def voted(rec, open_case):
    """A case up to step 16; the branch vote (step 15) was on 2024-12-07."""
    case = drive(rec, open_case(), 16)
    assert case.vote_date == dt.date(2024, 12, 7)
    return case


CONSENT = Consent(
    approver="刘明（县委组织部副部长）",
    organization="中共某县委组织部",
    date=dt.date(2025, 3, 1),
    document="县组字〔2025〕7号",
)


def test_approval_after_three_months_needs_every_part_of_the_consent(rec, voted):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.record_step(actor=rec["secretary"], case=voted, step=17, date=dt.date(2025, 4, 10))
    assert set(exc.value.message_dict) == {
        "special_reason",
        "consent_approver",
        "consent_organization",
        "consent_document",
        "consent_date",
    }
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            actor=rec["secretary"],
            case=voted,
            step=17,
            date=dt.date(2025, 4, 10),
            special_reason="上级党委换届，集体讨论推迟",
            consent=Consent(**{**CONSENT.__dict__, "date": dt.date(2024, 12, 1)}),
        )
    assert list(exc.value.message_dict) == ["consent_date"]
    assert counts() == before


def test_approval_within_six_months_keeps_the_consent_and_raises_no_finding(rec, voted):
    record = services.record_step(
        actor=rec["secretary"],
        case=voted,
        step=17,
        date=dt.date(2025, 4, 10),
        special_reason="上级党委换届，集体讨论推迟",
        consent=CONSENT,
    )
    sa = SpecialApproval.objects.get(record=record)
    assert (sa.approver, sa.approver_organization, sa.approved_on, sa.document_number) == (
        "刘明（县委组织部副部长）",
        "中共某县委组织部",
        dt.date(2025, 3, 1),
        "县组字〔2025〕7号",
    )
    assert sa.reason == "上级党委换届，集体讨论推迟"
    assert not StepDelay.objects.exists() and not delay_findings().exists()
    event = AuditEvent.objects.filter(action="recruitment.step_recorded").latest("pk")
    assert event.changes["special_approval"] == {
        "deadline": "2025-03-07",
        "organization": "中共某县委组织部",
        "approved_on": "2025-03-01",
        "document_number": "县组字〔2025〕7号",
    }


def test_approval_after_six_months_is_a_late_step(rec, voted):
    with pytest.raises(ValidationError) as exc:
        services.record_step(actor=rec["secretary"], case=voted, step=17, date=dt.date(2025, 6, 10))
    assert list(exc.value.message_dict) == ["delay_reason"]
    record = services.record_step(
        actor=rec["secretary"],
        case=voted,
        step=17,
        date=dt.date(2025, 6, 10),
        delay_reason="材料在上报途中遗失，补报后审批",
    )
    delay = StepDelay.objects.get(record=record)
    assert (delay.deadline, delay.days_late) == (dt.date(2025, 6, 7), 3)
    assert delay_findings().get().object_id == str(delay.pk)


# --- Pages and API ----------------------------------------------------------------------


def test_case_page_shows_the_delay_and_only_the_higher_committee_reviews(
    rec, late_talk, client_for
):
    case, record = late_talk
    delay = StepDelay.objects.get(record=record)
    client = client_for(rec["secretary"])
    body = client.get(f"/recruitment/cases/{case.pk}/").content.decode()
    assert f"超过规定时限1天（最迟 2026-02-28）。延误原因：{REASON}" in body
    assert "待上级党组织审查" in body
    url = f"/recruitment/cases/{case.pk}/delays/{delay.pk}/review/"
    assert url not in body
    assert client.post(url, {"note": "自查"}).status_code == 403
    delay.refresh_from_db()
    assert delay.reviewed_at is None

    assert client_for(rec["b"]["admin"]).post(url, {"note": "x"}).status_code == 404

    admin = client_for(rec["admin"])
    assert url in admin.get(f"/recruitment/cases/{case.pk}/").content.decode()
    r = admin.post(url, {"note": "情况属实"}, follow=True)
    body = r.content.decode()
    assert "已审查第2步的逾期情况。" in body
    assert "审查：情况属实" in body and "待上级党组织审查" not in body
    assert delay_findings().get().resolved_at is not None


def test_step_form_records_a_late_talk_with_its_reason(rec, client_for):
    case = services.open_case(
        actor=rec["secretary"],
        worker=rec["applicant"],
        organization=rec["branch"],
        application_date=dt.date(2026, 1, 31),
    )
    client = client_for(rec["secretary"])
    # Today (2026-11-29) is long past the last day (2026-02-28): the form says what to do.
    hint = "已超过最迟日期。请如实填写实际完成日期，并填写延误原因。"
    assert hint in client.get(f"/recruitment/cases/{case.pk}/").content.decode()
    r = client.post(
        f"/recruitment/cases/{case.pk}/steps/2/",
        {"s2-date": "2026-03-01", "s2-delay_reason": REASON},
    )
    assert r.status_code == 302
    assert StepRecord.objects.get(case=case, step=2).date == dt.date(2026, 3, 1)
    assert StepDelay.objects.get(case=case).reason == REASON
    r = client.get("/org/findings/?rule=REC-ORDER")
    assert f"延误原因：{REASON}" in r.content.decode()
    assert f'href="/recruitment/cases/{case.pk}/"' in r.content.decode()


def test_step_17_form_takes_the_consent(rec, voted, client_for):
    client = client_for(rec["secretary"])
    body = client.get(f"/recruitment/cases/{voted.pk}/").content.decode()
    for name in ("consent_organization", "consent_approver", "consent_date", "consent_document"):
        assert f'name="s17-{name}"' in body
    r = client.post(
        f"/recruitment/cases/{voted.pk}/steps/17/",
        {"s17-date": "2025-04-10", "s17-special_reason": "上级党委换届"},
    )
    assert r.status_code == 422
    errors = r.context["step_forms"][0][1].errors
    assert {"consent_approver", "consent_organization", "consent_date", "consent_document"} <= set(
        errors
    )
    r = client.post(
        f"/recruitment/cases/{voted.pk}/steps/17/",
        {
            "s17-date": "2025-04-10",
            "s17-special_reason": "上级党委换届",
            "s17-consent_organization": "中共某县委组织部",
            "s17-consent_approver": "刘明",
            "s17-consent_date": "2025-03-01",
            "s17-consent_document": "县组字〔2025〕7号",
        },
        follow=True,
    )
    assert r.redirect_chain
    assert (
        "经上级党组织同意延长审批时间：中共某县委组织部（刘明）于 2025-03-01 同意，文号 县组字〔2025〕7号"
        in r.content.decode()
    )


def _api(client, path, payload):
    return client.post(path, data=json.dumps(payload), content_type="application/json")


def test_api_records_a_late_step_with_reason_and_step_17_with_consent(rec, voted, client_for):
    client = client_for(rec["secretary"])
    path = f"/api/v1/recruitment/cases/{voted.pk}/steps"
    r = _api(client, path, {"step": 17, "date": "2025-04-10", "special_reason": "换届"})
    assert r.status_code == 422
    assert "consent_document" in r.json()["errors"]
    r = _api(
        client,
        path,
        {
            "step": 17,
            "date": "2025-04-10",
            "special_reason": "换届",
            "consent": {
                "organization": "中共某县委组织部",
                "approver": "刘明",
                "date": "2025-03-01",
                "document": "县组字〔2025〕7号",
            },
        },
    )
    assert r.status_code == 201, r.content
    assert SpecialApproval.objects.get(record__case=voted).document_number == "县组字〔2025〕7号"

    other = services.open_case(
        actor=rec["secretary"],
        worker=rec["worker"],
        organization=rec["branch"],
        application_date=dt.date(2026, 1, 31),
    )
    r = _api(
        client,
        f"/api/v1/recruitment/cases/{other.pk}/steps",
        {"step": 2, "date": "2026-03-01", "delay_reason": REASON},
    )
    assert r.status_code == 201, r.content
    assert r.json()["steps"][1]["late"] == {
        "deadline": "2026-02-28",
        "days_late": 1,
        "reason": REASON,
        "rule": TALK_RULE,
        "reviewed": False,
    }
