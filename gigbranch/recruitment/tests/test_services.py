"""Services against the database: refusals change nothing, membership via members.services."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gigbranch.core.models import AuditEvent, Finding
from gigbranch.core.services import recompute_findings
from gigbranch.members.models import MemberKind, PartyMember
from gigbranch.recruitment import policy, services
from gigbranch.recruitment.models import (
    Attachment,
    Case,
    CaseEvent,
    CasePerson,
    CaseStatus,
    StepDelay,
    StepRecord,
    Vote,
)
from tests.factories import UserFactory, WorkerFactory

from .conftest import GOOD_VOTE, START, drive, step_date, step_kwargs

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        StepRecord.objects.count(),
        Vote.objects.count(),
        CasePerson.objects.count(),
        CaseEvent.objects.count(),
        PartyMember.objects.count(),
        AuditEvent.objects.count(),
    )


def test_open_case_records_step_one_and_audit(rec, open_case):
    case = open_case()
    assert (case.status, case.last_step, case.next_step, case.stage) == ("in_progress", 1, 2, 1)
    assert list(case.steps.values_list("step", "date")) == [(1, START)]
    assert (
        AuditEvent.objects.filter(action="recruitment.case_opened", object_id=str(case.pk)).count()
        == 1
    )


@pytest.mark.parametrize(
    ("birth", "applied", "ok"),
    [
        (dt.date(2008, 5, 17), dt.date(2026, 5, 16), False),
        (dt.date(2008, 5, 17), dt.date(2026, 5, 17), True),
        (dt.date(2008, 2, 29), dt.date(2026, 2, 28), False),
        (dt.date(2008, 2, 29), dt.date(2026, 3, 1), True),
    ],
)
def test_age_checked_from_birth_date(rec, birth, applied, ok):
    worker = WorkerFactory(region=rec["town"], birth_date=birth)
    before = Case.objects.count()
    if ok:
        services.open_case(
            actor=rec["secretary"],
            worker=worker,
            organization=rec["branch"],
            application_date=applied,
        )
        assert Case.objects.count() == before + 1
    else:
        with pytest.raises(ValidationError) as exc:
            services.open_case(
                actor=rec["secretary"],
                worker=worker,
                organization=rec["branch"],
                application_date=applied,
            )
        assert "REC-AGE" in exc.value.message_dict["date"][0]
        assert Case.objects.count() == before


def test_full_path_to_probationary_member_calls_members_service(rec, open_case):
    case = drive(rec, open_case(), 17)
    assert case.status == CaseStatus.PROBATIONARY
    member = PartyMember.objects.get(worker=rec["applicant"])
    assert (member.kind, member.joined_on, member.organization_id) == (
        MemberKind.PROBATIONARY,
        case.vote_date,
        rec["branch"].pk,
    )
    assert case.probation_end == policy.probation_end(case.vote_date)
    assert case.stage == 5 and case.next_step == 18
    assert list(case.events.filter(action="status").values_list("from_status", "to_status")) == [
        ("in_progress", "probationary")
    ]


def test_full_membership_at_step_24_and_archive(rec, open_case):
    case = drive(rec, open_case(), 25)
    assert case.status == CaseStatus.ARCHIVED
    member = PartyMember.objects.get(worker=rec["applicant"])
    assert (member.kind, member.full_on) == (MemberKind.FULL, case.probation_end)
    assert case.full_date == case.probation_end and case.next_step is None


def test_step_24_without_a_member_record_is_refused_not_an_error(rec, open_case):
    # E.g. a case carried over from paper records, whose member record was never made.
    from gigbranch.members.models import MemberEvent

    case = drive(rec, open_case(), 23)
    MemberEvent.objects.filter(member__worker=rec["applicant"]).delete()
    PartyMember.objects.filter(worker=rec["applicant"]).delete()
    with pytest.raises(ValidationError) as exc:
        services.record_step(actor=rec["secretary"], case=case, step=24, date=step_date(case, 24))
    assert "没有该同志的预备党员记录" in exc.value.message_dict["step"][0]
    case.refresh_from_db()
    assert case.last_step == 23


def test_probationary_sponsor_refused_changes_nothing(rec, open_case):
    case = drive(rec, open_case(), 8)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            actor=rec["secretary"],
            case=case,
            step=9,
            date=step_date(case, 9),
            sponsor_ids=[rec["full1"].pk, rec["prob"].pk],
        )
    assert exc.value.message_dict == {
        "sponsors": ["REC-ORDER：入党介绍人须为正式党员，预备党员不能作入党介绍人：王预备。"]
    }
    assert snapshot() == before


def test_step_12_without_training_refused_changes_nothing(rec, open_case):
    case = drive(rec, open_case(), 8)
    for step in (9, 10):
        day = step_date(case, step)
        services.record_step(
            actor=rec["secretary"], case=case, step=step, date=day, **step_kwargs(rec, step, day)
        )
    case.refresh_from_db()
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            actor=rec["secretary"],
            case=case,
            step=12,
            date=case.steps.get(step=10).date + dt.timedelta(days=1),
        )
    assert exc.value.message_dict["date"] == [
        "REC-ORDER：尚未开展集中培训（第11步，不少于3天或24学时），不能进行支部委员会审查。"
    ]
    assert snapshot() == before


def test_probationary_member_who_tries_to_vote_refused(rec, open_case):
    case = drive(rec, open_case(), 14)
    before = snapshot()
    vote = services.VoteInput(
        should_attend=3,
        present=3,
        written=0,
        votes_for=3,
        against=0,
        abstain=0,
        voter_ids=[rec["full1"].pk, rec["full2"].pk, rec["prob"].pk],
    )
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            actor=rec["secretary"], case=case, step=15, date=step_date(case, 15), vote=vote
        )
    assert exc.value.message_dict["voters"] == [
        "REC-VOTE：预备党员没有表决权，王预备不能参加表决。"
    ]
    assert snapshot() == before


def test_vote_with_written_opinions_recorded(rec, open_case):
    case = drive(rec, open_case(), 14)
    # 3 should attend, 2 present, 1 written opinion; 2 for in the room + 1 written = 3 > 1.5
    vote = services.VoteInput(
        should_attend=3,
        present=2,
        written=1,
        votes_for=3,
        against=0,
        abstain=0,
        voter_ids=[rec["full1"].pk, rec["full2"].pk, rec["prob"].pk],
    )
    with pytest.raises(ValidationError):
        services.record_step(
            actor=rec["secretary"], case=case, step=15, date=step_date(case, 15), vote=vote
        )
    third = WorkerFactory(region=rec["town"], name="陈书面")
    full3 = PartyMember.objects.create(
        worker=third, organization=rec["branch"], kind="full", joined_on=dt.date(2010, 7, 1)
    )
    vote.voter_ids = [rec["full1"].pk, rec["full2"].pk, full3.pk]
    services.record_step(
        actor=rec["secretary"], case=case, step=15, date=step_date(case, 15), vote=vote
    )
    v = Vote.objects.get(case=case)
    assert (v.should_attend, v.present, v.written, v.votes_for, v.passed) == (3, 2, 1, 3, True)


def test_pass_not_supported_by_numbers_refused(rec, open_case):
    case = drive(rec, open_case(), 14)
    before = snapshot()
    vote = services.VoteInput(
        should_attend=10, present=6, written=0, votes_for=5, against=1, abstain=0
    )
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            actor=rec["secretary"], case=case, step=15, date=step_date(case, 15), vote=vote
        )
    assert exc.value.message_dict["votes_for"] == [
        "REC-VOTE：赞成票5票（含书面意见），未超过应到有表决权的正式党员10人的半数，不能记为通过。"
    ]
    assert snapshot() == before


def test_talk_deadline_end_of_january(rec):
    case = services.open_case(
        actor=rec["secretary"],
        worker=rec["applicant"],
        organization=rec["branch"],
        application_date=dt.date(2026, 1, 31),
    )
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.record_step(actor=rec["secretary"], case=case, step=2, date=dt.date(2026, 3, 1))
    assert "最迟2026-02-28" in exc.value.message_dict["delay_reason"][0]
    assert snapshot() == before
    services.record_step(actor=rec["secretary"], case=case, step=2, date=dt.date(2026, 2, 28))
    assert Case.objects.get(pk=case.pk).next_step == 3
    assert not StepDelay.objects.exists()  # the last day is on time


def test_public_notice_counted_in_working_days(rec, open_case):
    case = drive(rec, open_case(dt.date(2023, 9, 1)), 6)
    assert case.activist_date == dt.date(2024, 3, 1)
    day = dt.date(2025, 3, 10)  # Monday; the notice week 3–7 March 2025 has 5 working days
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            actor=rec["secretary"],
            case=case,
            step=7,
            date=day,
            notice_start=dt.date(2025, 3, 3),
            notice_end=dt.date(2025, 3, 6),
        )
    assert exc.value.message_dict["notice_end"] == [
        "REC-ORDER（本地规则）：公示2025-03-03至2025-03-06仅4个工作日，应不少于5个工作日。"
    ]
    services.record_step(
        actor=rec["secretary"],
        case=case,
        step=7,
        date=day,
        notice_start=dt.date(2025, 3, 3),
        notice_end=dt.date(2025, 3, 9),
    )
    assert case.steps.get(step=7).data["notice_working_days"] == 5


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (13, False)])
def test_extension_months(rec, open_case, months, ok):
    case = drive(rec, open_case(), 21)
    vote_day = case.steps.get(step=21).date + dt.timedelta(days=1)
    kwargs = {
        "actor": rec["secretary"],
        "case": case,
        "vote_date": vote_day,
        "vote": GOOD_VOTE,
        "approved_on": vote_day + dt.timedelta(days=5),
        "months": months,
        "reason": "表现需进一步考察",
    }
    if ok:
        services.extend_probation(**kwargs)
        case.refresh_from_db()
        assert case.probation_end == policy.add_months_at_least(case.vote_date, 12 + months)
        assert case.extension_months == months
    else:
        before = snapshot()
        with pytest.raises(ValidationError) as exc:
            services.extend_probation(**kwargs)
        assert exc.value.message_dict["months"] == [
            f"REC-PROB：延长预备期应为6至12个月，所填为{months}个月。"
        ]
        assert snapshot() == before


def test_second_extension_refused(rec, open_case):
    case = drive(rec, open_case(), 21)
    vote_day = case.steps.get(step=21).date + dt.timedelta(days=1)
    services.extend_probation(
        actor=rec["secretary"],
        case=case,
        vote_date=vote_day,
        vote=GOOD_VOTE,
        approved_on=vote_day,
        months=6,
    )
    with pytest.raises(ValidationError) as exc:
        services.extend_probation(
            actor=rec["secretary"],
            case=case,
            vote_date=vote_day,
            vote=GOOD_VOTE,
            approved_on=vote_day,
            months=6,
        )
    assert exc.value.message_dict["months"] == [
        "REC-PROB：预备期只能延长一次，已延长过，不能再次延长。"
    ]


def test_cancellation(rec, open_case):
    case = drive(rec, open_case(), 20)
    day = case.steps.get(step=20).date + dt.timedelta(days=3)
    services.cancel_probation(
        actor=rec["secretary"],
        case=case,
        vote_date=day,
        vote=GOOD_VOTE,
        approved_on=day,
        reason="不履行党员义务",
    )
    case.refresh_from_db()
    assert (case.status, case.next_step) == ("cancelled", None)
    member = PartyMember.objects.get(worker=rec["applicant"])
    assert (member.kind, member.status) == ("probationary", "left")
    with pytest.raises(ValidationError):
        services.record_step(actor=rec["secretary"], case=case, step=21, date=day)


def test_view_only_role_cannot_record_and_nothing_changes(rec, open_case):
    case = open_case()
    inspector = UserFactory(role="inspector", scope_region=rec["town"])
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.record_step(actor=inspector, case=case, step=2, date=START + dt.timedelta(days=3))
    assert snapshot() == before


def test_attachment_type_by_content_not_name(rec, open_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = open_case()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    att = services.attach_scan(
        actor=rec["secretary"],
        case=case,
        step=1,
        title="入党申请书",
        uploaded=SimpleUploadedFile("scan.pdf", png),
    )
    assert (att.content_type, att.extension, att.size) == ("image/png", ".png", 108)
    with pytest.raises(ValidationError) as exc:
        services.attach_scan(
            actor=rec["secretary"],
            case=case,
            step=1,
            title="x",
            uploaded=SimpleUploadedFile("evil.pdf", b"<html>not a pdf</html>"),
        )
    assert "按文件内容识别" in exc.value.message_dict["file"][0]
    settings.UPLOAD_MAX_BYTES = 50
    with pytest.raises(ValidationError) as exc:
        services.attach_scan(
            actor=rec["secretary"],
            case=case,
            step=1,
            title="x",
            uploaded=SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 60),
        )
    assert exc.value.message_dict["file"] == ["文件大小65字节，超过上限50字节。"]
    assert Attachment.objects.count() == 1
    assert io.BytesIO(att.file.read()).read(8) == b"\x89PNG\r\n\x1a\n"


def test_local_rules_nearest_region_and_national_not_relaxed(rec, county_admin):
    county, town = rec["town"].parent, rec["town"]
    services.save_ruleset(
        actor=county_admin,
        region=county,
        name="县规则",
        values={"activist_min_months_after_application": 8},
    )
    assert services.effective_rules(town)[0].activist_min_months_after_application == 8
    services.save_ruleset(
        actor=county_admin,
        region=town,
        name="镇规则",
        values={"activist_min_months_after_application": 3},
    )
    assert services.effective_rules(town)[0].activist_min_months_after_application == 3
    with pytest.raises(ValidationError) as exc:
        services.save_ruleset(
            actor=county_admin, region=town, name="放宽", values={"approval_within_months": 4}
        )
    assert "不能放宽" in exc.value.message_dict["approval_within_months"][0]
    with pytest.raises(PermissionDenied):
        services.save_ruleset(actor=rec["secretary"], region=town, name="x", values={})


def test_talk_reminder_then_finding(rec):
    import time_machine

    case = services.open_case(
        actor=rec["secretary"],
        worker=rec["applicant"],
        organization=rec["branch"],
        application_date=dt.date(2026, 11, 1),
    )
    with time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC), tick=False):
        recompute_findings(rule_ids=["REC-ORDER"])
    f = Finding.objects.get(rule_id="REC-ORDER", object_id=str(case.pk))
    assert f.severity == "warning"
    assert f.summary == "赵申请：REC-ORDER：第2步“党组织派人谈话”须在2026-12-01前完成，还剩3天。"
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC), tick=False):
        recompute_findings(rule_ids=["REC-ORDER"])
    f.refresh_from_db()
    assert f.severity == "violation" and "已逾期1天" in f.summary
    assert f.organization_id == rec["branch"].pk
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC), tick=False):
        services.record_step(actor=rec["secretary"], case=case, step=2, date=dt.date(2026, 12, 1))
        recompute_findings(rule_ids=["REC-ORDER"])
    f.refresh_from_db()
    assert f.resolved_at is not None


def test_scope_other_branch_cannot_see_case(rec, open_case):
    case = open_case()
    other = UserFactory(role="branch_secretary", scope_organization=rec["b"]["branch"])
    assert not Case.objects.visible_to(other).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(rec["secretary"]).filter(pk=case.pk).exists()
