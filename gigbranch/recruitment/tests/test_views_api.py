"""Pages, documents, portal application and /api/v1/recruitment."""

import datetime as dt
import io
import json

import pytest
from docx import Document

from gigbranch.recruitment.models import Case, StepRecord
from tests.factories import UserFactory, WorkerFactory

from .conftest import START, drive

pytestmark = pytest.mark.django_db


def test_pages_render_for_branch_secretary(rec, open_case, client_for):
    case = drive(rec, open_case(), 16)
    client = client_for(rec["secretary"])
    r = client.get("/recruitment/")
    assert r.status_code == 200
    assert "发展党员工作概况" in r.content.decode()
    r = client.get(f"/recruitment/cases/{case.pk}/")
    body = r.content.decode()
    assert (
        r.status_code == 200
        and "第17步 上级党委审批" in body
        and "最早 2024-12-08，最迟 2025-03-07" in body
    )
    assert client.get("/recruitment/cases/?stage=4").status_code == 200
    assert client.get("/recruitment/rules/").status_code == 200


def test_refused_step_page_shows_reason_and_records_nothing(rec, open_case, client_for):
    case = open_case(dt.date(2026, 1, 31))
    client = client_for(rec["secretary"])
    # Too early (before the application) is refused whatever the reason.
    r = client.post(
        f"/recruitment/cases/{case.pk}/steps/2/",
        {"s2-date": "2026-01-30", "s2-delay_reason": "补记"},
    )
    assert r.status_code == 422
    assert "日期2026-01-30早于前一步第1步" in r.context["refusal"][0]
    assert StepRecord.objects.filter(case=case).count() == 1
    # Late without a reason: the reason field is asked for, naming the rule and the dates.
    r = client.post(f"/recruitment/cases/{case.pk}/steps/2/", {"s2-date": "2026-03-01"})
    assert r.status_code == 422
    errors = r.context["step_forms"][0][1].errors
    assert errors["delay_reason"] == [
        "该步骤已超过规定时限（《中国共产党发展党员工作细则》第七条：收到入党申请书后1个月内"
        "派人谈话；第2步“党组织派人谈话”最迟2026-02-28，所填日期2026-03-01），请填写延误原因。"
    ]
    assert StepRecord.objects.filter(case=case).count() == 1
    r = client.post(f"/recruitment/cases/{case.pk}/steps/2/", {"s2-date": "2026-02-28"})
    assert r.status_code == 302
    assert StepRecord.objects.filter(case=case).count() == 2


def test_other_scope_gets_404_and_inspector_cannot_post(rec, open_case, client_for):
    case = open_case()
    other = UserFactory(role="branch_secretary", scope_organization=rec["b"]["branch"])
    assert client_for(other).get(f"/recruitment/cases/{case.pk}/").status_code == 404
    inspector = UserFactory(role="inspector", scope_region=rec["town"])
    c = client_for(inspector)
    assert c.get(f"/recruitment/cases/{case.pk}/").status_code == 200
    r = c.post(f"/recruitment/cases/{case.pk}/steps/2/", {"s2-date": "2023-06-05"})
    assert r.status_code == 403
    assert StepRecord.objects.filter(case=case).count() == 1


def test_vote_record_docx(rec, open_case, client_for):
    case = drive(rec, open_case(), 15)
    r = client_for(rec["secretary"]).get(f"/recruitment/cases/{case.pk}/documents/vote_record.docx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "支部党员大会表决情况记录" in text
    assert "应到有表决权的正式党员" in cells and "9人" in cells and "通过" in cells


def test_registers_and_candidate_review_docx(rec, open_case, client_for):
    case = drive(rec, open_case(), 13)
    client = client_for(rec["secretary"])
    for url in (
        "/recruitment/documents/application_register.docx",
        "/recruitment/documents/activist_register.docx",
        f"/recruitment/cases/{case.pk}/documents/candidate_review.docx",
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        Document(io.BytesIO(r.content))
    r = client.get(f"/recruitment/cases/{case.pk}/documents/candidate_review.docx")
    cells = [
        c.text for t in Document(io.BytesIO(r.content)).tables for row in t.rows for c in row.cells
    ]
    assert "张正式、李正式" in cells


def test_portal_apply(rec, client_for):
    worker_user = UserFactory(username="w1", role="worker", worker=rec["applicant"])
    client = client_for(worker_user)
    r = client.get("/recruitment/apply/")
    assert r.status_code == 200 and "递交入党申请书" in r.content.decode()
    r = client.post(
        "/recruitment/apply/",
        {"statement": "敬爱的党组织：我志愿加入中国共产党，拥护党的纲领。" * 2, "confirm": "on"},
    )
    assert r.status_code == 302
    case = Case.objects.get(worker=rec["applicant"])
    assert (case.source, case.organization_id, case.application_date) == (
        "portal",
        rec["branch"].pk,
        dt.date(2026, 11, 29),
    )
    assert "当前阶段：入党申请人" in client.get("/recruitment/apply/").content.decode()
    # staff pages are not for workers
    assert client.get("/recruitment/").status_code == 403


def _api(client, method, url, payload=None):
    return getattr(client, method)(
        url,
        data=json.dumps(payload) if payload is not None else None,
        content_type="application/json",
    )


def test_api_step_by_step(rec, client_for):
    from gigbranch.accounts.models import ApiToken  # noqa: F401

    client = client_for(rec["secretary"])
    client.handler.enforce_csrf_checks = False
    r = _api(
        client,
        "post",
        "/api/v1/recruitment/cases",
        {"worker_id": rec["applicant"].pk, "application_date": str(START)},
    )
    assert r.status_code == 201, r.content
    case_id = r.json()["id"]
    assert r.json()["next"][0]["step"] == 2 and r.json()["next"][0]["latest"] == "2023-07-01"
    r = _api(
        client,
        "post",
        f"/api/v1/recruitment/cases/{case_id}/steps",
        {"step": 2, "date": "2023-07-02"},
    )
    assert r.status_code == 422
    assert r.json()["errors"]["delay_reason"][0].startswith("该步骤已超过规定时限（《中国共产党")
    r = _api(
        client,
        "post",
        f"/api/v1/recruitment/cases/{case_id}/steps",
        {"step": 2, "date": "2023-07-01"},
    )
    assert r.status_code == 201 and r.json()["last_step"] == 2
    assert r.json()["steps"][1]["late"] is None
    r = _api(
        client, "post", f"/api/v1/recruitment/cases/{case_id}/steps", {"step": "x", "date": "nope"}
    )
    assert r.status_code == 422
    r = client.get(f"/api/v1/recruitment/cases/{case_id}")
    assert [s["step"] for s in r.json()["steps"]] == [1, 2]
    assert client.get("/api/v1/recruitment/overview").status_code == 200
    assert len(client.get("/api/v1/recruitment/steps").json()) == 25


def test_api_denied_for_other_scope_and_view_only(rec, open_case, client_for):
    case = open_case()
    other = UserFactory(role="branch_secretary", scope_organization=rec["b"]["branch"])
    c = client_for(other)
    assert c.get(f"/api/v1/recruitment/cases/{case.pk}").status_code == 404
    inspector = UserFactory(role="inspector", scope_region=rec["town"])
    c = client_for(inspector)
    r = _api(
        c, "post", f"/api/v1/recruitment/cases/{case.pk}/steps", {"step": 2, "date": "2023-06-03"}
    )
    assert r.status_code in (403,)
    assert StepRecord.objects.filter(case=case).count() == 1


def test_worker_cannot_apply_for_someone_else(rec):
    from django.core.exceptions import PermissionDenied

    from gigbranch.recruitment import services

    worker_user = UserFactory(username="w2", role="worker", worker=rec["full1"].worker)
    with pytest.raises(PermissionDenied):
        services.open_case(
            actor=worker_user,
            worker=rec["applicant"],
            organization=rec["branch"],
            application_date=START,
            source="portal",
        )
    assert Case.objects.count() == 0


def test_api_attachment_checked_by_content(rec, open_case, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = open_case()
    client = client_for(rec["secretary"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        f"/api/v1/recruitment/cases/{case.pk}/attachments",
        {
            "title": "申请书",
            "step": 1,
            "file": SimpleUploadedFile("a.png", b"%PDF-1.7\n" + b"0" * 50),
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["content_type"] == "application/pdf"
    r = client.post(
        f"/api/v1/recruitment/cases/{case.pk}/attachments",
        {"title": "x", "file": SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf")},
    )
    assert r.status_code == 422
    assert "按文件内容识别" in r.json()["errors"]["file"][0]


def test_overview_counts_and_overdue(rec, open_case, client_for):
    from gigbranch.recruitment import queries

    drive(rec, open_case(dt.date(2026, 9, 1)), 1)  # talk due 2026-10-01: overdue
    other = WorkerFactory(name="钱申请", region=rec["town"], workplace=rec["workplace"])
    from gigbranch.recruitment import services

    c2 = services.open_case(
        actor=rec["secretary"], worker=other, organization=rec["branch"], application_date=START
    )
    drive(rec, c2, 17)
    data = queries.overview(rec["secretary"])
    assert [(n, c) for n, _, c in data["per_stage"]] == [(1, 1), (2, 0), (3, 0), (4, 0), (5, 1)]
    assert [(s, c) for s, _, c in data["per_step"]] == [(2, 1), (18, 1)]
    assert [row["value"] for row in data["funnel"]] == [2, 1, 1, 1, 0]
    assert [(r["name"], r["message"]) for r in data["overdue"]] == [
        ("赵申请", "REC-ORDER：第2步“党组织派人谈话”最迟应在2026-10-01完成，已逾期59天。")
    ]
    body = client_for(rec["secretary"]).get("/recruitment/").content.decode()
    assert "逾期事项（1）" in body


def test_timeline_of_system_recorded_case_renders(rec, client_for):
    from gigbranch.recruitment import services

    case = services.open_case(
        actor=None, worker=rec["applicant"], organization=rec["branch"], application_date=START
    )
    body = client_for(rec["secretary"]).get(f"/recruitment/cases/{case.pk}/").content.decode()
    assert "系统导入" in body
