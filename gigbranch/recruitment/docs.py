"""Standard recruitment forms generated as .docx from the records (BURDEN-1: enter once).

Application register (入党申请人登记表), activist register (入党积极分子登记表), candidate
review (发展对象审查表) and the vote record (支部党员大会表决情况记录). Resident ID numbers
are masked; the forms carry what the records hold and nothing typed again.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from . import policy
from .models import Case, PersonRole, Vote, VotePurpose

FONT = "宋体"


def _document(title: str, subtitle: str = "") -> DocxDocument:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold = True
    run.font.size = Pt(18)
    run.font.name = FONT
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    if subtitle:
        p = doc.add_paragraph(subtitle)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return doc


def _d(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _table(doc: DocxDocument, header: list[str], rows: Iterable[list[str]]) -> None:
    rows = list(rows)
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    for i, text in enumerate(header):
        cell = table.rows[0].cells[i]
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row):
            table.rows[r].cells[c].text = text


def _pairs(doc: DocxDocument, pairs: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=len(pairs), cols=2)
    table.style = "Table Grid"
    for i, (k, v) in enumerate(pairs):
        table.rows[i].cells[0].text = k
        table.rows[i].cells[1].text = v


def _save(doc: DocxDocument) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _dates(case: Case) -> dict[int, dt.date]:
    return {r.step: r.date for r in case.steps.all()}


def _people(case: Case, role: str) -> str:
    return "、".join(p.member.worker.name for p in case.people.all() if p.role == role)


def application_register(cases: Iterable[Case], *, scope_label: str) -> bytes:
    doc = _document("入党申请人登记表", scope_label)
    rows = []
    for i, case in enumerate(cases, start=1):
        d = _dates(case)
        w = case.worker
        rows.append(
            [
                str(i),
                w.name,
                w.get_sex_display(),
                f"{w.birth_date:%Y.%m}",
                w.get_occupation_display(),
                w.workplace.name if w.workplace_id else "",
                _d(d.get(1)),
                _d(d.get(2)),
                case.get_source_display(),
            ]
        )
    _table(
        doc,
        [
            "序号",
            "姓名",
            "性别",
            "出生年月",
            "职业",
            "工作单位",
            "递交申请书",
            "谈话日期",
            "申请方式",
        ],
        rows,
    )
    doc.add_paragraph(f"共{len(rows)}人。依据：《中国共产党发展党员工作细则》第一章。")
    return _save(doc)


def activist_register(cases: Iterable[Case], *, scope_label: str) -> bytes:
    doc = _document("入党积极分子登记表", scope_label)
    rows = []
    for i, case in enumerate(cases, start=1):
        d = _dates(case)
        w = case.worker
        rows.append(
            [
                str(i),
                w.name,
                w.get_sex_display(),
                f"{w.birth_date:%Y.%m}",
                w.workplace.name if w.workplace_id else "",
                _d(d.get(1)),
                _d(d.get(3)),
                _people(case, PersonRole.CONTACT),
                _d(case.last_assessment),
            ]
        )
    _table(
        doc,
        [
            "序号",
            "姓名",
            "性别",
            "出生年月",
            "工作单位",
            "递交申请书",
            "确定为积极分子",
            "培养联系人",
            "最近考察",
        ],
        rows,
    )
    doc.add_paragraph(f"共{len(rows)}人。")
    return _save(doc)


def candidate_review(case: Case) -> bytes:
    d = _dates(case)
    w = case.worker
    doc = _document("发展对象审查表", case.organization.name)
    notice = next((r.data for r in case.steps.all() if r.step == 7), {}) or {}
    _pairs(
        doc,
        [
            ("姓名", w.name),
            ("性别", w.get_sex_display()),
            ("出生日期", _d(w.birth_date)),
            ("公民身份号码", w.masked_id_number),
            ("职业", w.get_occupation_display()),
            ("工作单位", w.workplace.name if w.workplace_id else ""),
            ("递交入党申请书", _d(d.get(1))),
            ("确定为入党积极分子", _d(d.get(3))),
            ("培养联系人", _people(case, PersonRole.CONTACT)),
            ("确定为发展对象", _d(d.get(7))),
            (
                "公示",
                f"{notice.get('notice_start', '')}至{notice.get('notice_end', '')}"
                if notice.get("notice_start")
                else "未公示",
            ),
            ("入党介绍人", _people(case, PersonRole.SPONSOR)),
            (
                "政治审查",
                f"{_d(d.get(10))} 结论：{'合格' if case.review_conclusion == 'pass' else '不合格' if case.review_conclusion else '未审查'}",
            ),
            (
                "集中培训",
                f"{_d(d.get(11))} {float(case.training_days):g}天、{float(case.training_hours):g}学时",
            ),
            ("支部委员会审查", _d(d.get(12))),
            ("上级党委预审", _d(d.get(13))),
        ],
    )
    doc.add_paragraph("")
    doc.add_paragraph("党支部意见：                              （盖章）        年    月    日")
    return _save(doc)


def vote_record(vote: Vote) -> bytes:
    case = vote.case
    w = case.worker
    t = vote.tally
    purpose = {
        VotePurpose.ADMISSION: "讨论接收预备党员",
        VotePurpose.FULL_MEMBERSHIP: "讨论预备党员转为正式党员",
        VotePurpose.EXTENSION: "讨论延长预备期",
        VotePurpose.CANCELLATION: "讨论取消预备党员资格",
    }[VotePurpose(vote.purpose)]
    doc = _document("支部党员大会表决情况记录", case.organization.name)
    _pairs(
        doc,
        [
            ("会议日期", _d(vote.date)),
            ("会议事项", f"{purpose}：{w.name}（逐个表决）"),
            ("应到有表决权的正式党员", f"{t.should_attend}人"),
            ("实到有表决权的正式党员", f"{t.present}人"),
            ("因故缺席并提交书面意见", f"{t.written}人"),
            ("赞成", f"{t.votes_for}票（含书面意见）"),
            ("反对", f"{t.against}票"),
            ("弃权", f"{t.abstain}票"),
            ("到会人数是否超过应到半数", "是" if t.quorum else "否"),
            ("赞成票是否超过应到半数", "是" if t.votes_for * 2 > t.should_attend else "否"),
            ("表决结果", "通过" if vote.passed else "未通过"),
        ],
    )
    doc.add_paragraph("")
    doc.add_paragraph(
        "说明：依据REC-VOTE，实到会有表决权的正式党员须超过应到会有表决权党员的半数方可开会；赞成人数"
        "超过应到会有表决权正式党员的半数方为通过。因故不能到会的有表决权党员，会前正式提出的书面意见"
        "统计在票数内。预备党员没有表决权。"
    )
    if vote.purpose == VotePurpose.ADMISSION and case.probation_end:
        doc.add_paragraph(f"预备期：{_d(vote.date)}至{_d(case.probation_end)}（REC-PROB）。")
    doc.add_paragraph("会议主持人：            记录人：            " + policy.fmt(vote.date))
    return _save(doc)


DOC_KINDS = {
    "application_register": "入党申请人登记表",
    "activist_register": "入党积极分子登记表",
    "candidate_review": "发展对象审查表",
    "vote_record": "支部党员大会表决情况记录",
}
