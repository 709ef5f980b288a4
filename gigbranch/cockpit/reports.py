"""Work reports generated from the records, never typed (BURDEN-1): the quarterly report
to the county committee and the yearly report, as .docx that stays editable in Word.

The chapters follow the work; every number comes from the cockpit's figures (the same
functions as the tiles and their lists), the charts are drawn server-side (matplotlib,
Agg, with the WenQuanYi font for Chinese), the gaps and the findings still open are
tables. A chapter whose module is not in use says so instead of showing invented zeros."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from gigbranch.accounts.roles import has_capability
from gigbranch.appeals import queries as appeal_queries
from gigbranch.appeals.models import Appeal
from gigbranch.organizations import coverage as org_coverage

from . import queries
from .stats import Period, parse_period

CHAPTERS = (
    "一、组织网络与覆盖",
    "二、党员队伍、发展党员与培训",
    "三、组织生活",
    "四、服务阵地、关爱与诉求办理",
    "五、责任落实、督导检查与考核",
    "六、经费保障",
)
GAPS_IN_REPORT = 20  # the largest uncovered workplaces listed; the rest in the ledger


@dataclass(frozen=True)
class ReportPeriod:
    kind: str  # "quarter" or "year"
    label: str  # 2026年第3季度 / 2026年
    period: Period

    @property
    def filename_stem(self) -> str:
        return self.period.label


def quarter_period(year: int, quarter: int) -> ReportPeriod:
    return ReportPeriod("quarter", f"{year}年第{quarter}季度", parse_period(f"{year}Q{quarter}"))


def year_period(year: int) -> ReportPeriod:
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    return ReportPeriod("year", f"{year}年", Period(label=str(year), months=months))


def previous_quarter(day: dt.date) -> tuple[int, int]:
    quarter = (day.month - 1) // 3 + 1
    return (day.year, quarter - 1) if quarter > 1 else (day.year - 1, 4)


# --- Charts ------------------------------------------------------------------------------

_FONT_READY = False


def _pyplot() -> Any:
    global _FONT_READY
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not _FONT_READY:
        matplotlib.rcParams["font.sans-serif"] = [
            "WenQuanYi Micro Hei",
            "Noto Sans CJK SC",
            "DejaVu Sans",
        ]
        matplotlib.rcParams["axes.unicode_minus"] = False
        _FONT_READY = True
    return plt


def _png(fig: Any) -> io.BytesIO:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=150, bbox_inches="tight")
    _pyplot().close(fig)
    out.seek(0)
    return out


def coverage_chart(rows: list[dict[str, Any]]) -> io.BytesIO | None:
    rows = [r for r in rows if r["workplaces"]]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    xs = range(len(rows))
    ax.bar(
        [x - 0.2 for x in xs],
        [r["org_rate"] or 0 for r in rows],
        0.4,
        label="组织覆盖率",
        color="#c62828",
    )
    ax.bar(
        [x + 0.2 for x in xs],
        [r["work_rate"] or 0 for r in rows],
        0.4,
        label="工作覆盖率",
        color="#1e88e5",
    )
    ax.set_xticks(list(xs), [r["label"] for r in rows], rotation=40, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("%")
    ax.legend(fontsize=8, ncol=2, loc="upper right")
    ax.set_title("各区域组织覆盖率与工作覆盖率", fontsize=10)
    return _png(fig)


def appeal_chart(
    months: list[str], received: list[int], series: dict[str, list[Any]]
) -> io.BytesIO | None:
    if not any(received):
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    labels = [f"{int(m[5:])}月" for m in months]
    ax.bar(labels, received, color="#cfd8e3", label="受理件数")
    ax.set_ylabel("件")
    ax2 = ax.twinx()
    for key, name, color in (
        ("response", "响应率", "#fa8c16"),
        ("resolution", "解决率", "#52c41a"),
        ("satisfaction", "满意率", "#c62828"),
    ):
        ax2.plot(
            labels,
            [v if v is not None else float("nan") for v in series[key]],
            marker="o",
            label=name,
            color=color,
        )
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("%")
    ax2.legend(fontsize=8, ncol=3, loc="lower right")
    ax.set_title("诉求受理件数与“三率”逐月情况", fontsize=10)
    return _png(fig)


# --- The document ------------------------------------------------------------------------


def _table(doc: Any, headers: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "—" if value is None else str(value)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def _set_chinese_font(doc: Any) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for name in ("Normal", "Heading 1", "Heading 2", "Title"):
        style = doc.styles[name]
        style.font.name = "仿宋" if name == "Normal" else "黑体"
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), style.font.name)
    doc.styles["Normal"].font.size = Pt(12)


def build_report(user: Any, report: ReportPeriod) -> bytes:
    """The report for `user`'s scope and period as .docx bytes."""
    from docx import Document
    from docx.shared import Cm

    picture = queries.picture(user, None)
    region = picture["region"]
    scope_name = region.name if region is not None else user.scope_label
    tiles = {tv.figure.key: tv for tv in picture["tiles"]}
    doc = Document()
    _set_chinese_font(doc)
    kind_label = "季度" if report.kind == "quarter" else "年度"
    doc.add_heading(
        f"{scope_name}新就业群体党建工作{report.label}{kind_label}报告"
        if report.kind == "year"
        else f"{scope_name}新就业群体党建工作{report.label}报告",
        level=0,
    )
    generated = timezone.localtime().strftime("%Y年%m月%d日 %H:%M")
    doc.add_paragraph(
        f"本报告由新就业群体党建工作平台根据业务记录自动生成（生成时间：{generated}），"
        "无需另行填报；数字与平台驾驶舱及各名单一致，可在 Word 中继续修改。"
        "存量指标为生成时的数量，诉求等流量指标为报告期内的数量。"
    )

    def line(keys: list[str]) -> None:
        parts = []
        for key in keys:
            tv = tiles.get(key)
            if tv is None:
                continue
            text = f"{tv.figure.label} {tv.value} {tv.figure.unit}"
            if tv.rate is not None:
                text += f"（占 {tv.rate}%）"
            parts.append(text)
        if parts:
            doc.add_paragraph("；".join(parts) + "。")

    # 一、组织网络与覆盖
    doc.add_heading(CHAPTERS[0], level=1)
    if has_capability(user, "org.view"):
        line(["party_organizations", "party_branches", "workplaces"])
        line(["org_covered_workplaces", "work_covered_workplaces", "uncovered_workplaces"])
        rows = picture["coverage_rows"]
        if rows:
            doc.add_heading("分区域覆盖情况", level=2)
            _table(
                doc,
                ["区域", "企业/站点", "从业人数", "组织覆盖率", "工作覆盖率", "尚未覆盖"],
                [
                    [
                        r["label"],
                        r["workplaces"],
                        r["workers"],
                        _rate(r["org_rate"]),
                        _rate(r["work_rate"]),
                        r["uncovered"],
                    ]
                    for r in rows
                ],
            )
            chart = coverage_chart(rows)
            if chart is not None:
                doc.add_picture(chart, width=Cm(16))
        if region is not None:
            gaps = org_coverage.uncovered_top(user, region, GAPS_IN_REPORT)
            doc.add_heading("尚未覆盖的企业/站点（按从业人数）", level=2)
            if gaps:
                _table(
                    doc,
                    ["企业/站点", "类型", "所在区域", "报告从业人数"],
                    [
                        [g["name"], g["kind_label"], g["region_name"], g["reported_worker_count"]]
                        for g in gaps
                    ],
                )
            else:
                doc.add_paragraph("无。")
    else:
        doc.add_paragraph("本账号无权查看组织与覆盖数据。")

    # 二、党员队伍、发展党员与培训
    doc.add_heading(CHAPTERS[1], level=1)
    line(["active_workers", "full_members", "probationary_members", "inflow_mobile_members"])
    rec = picture["recruitment"]
    if rec:
        text = f"{rec['year']}年已发展党员 {rec['new_this_year']} 名"
        if rec["target"]:
            text += f"，年度目标 {rec['target']} 名，完成 {rec['target_rate']}%"
        doc.add_paragraph(text + "。")
        _table(doc, ["发展阶段", "人数"], [[f["name"], f["value"]] for f in rec["funnel"]])
    doc.add_paragraph("培训记录尚未纳入本平台，培训学时将在培训模块启用后自动列入。")

    # 三、组织生活
    doc.add_heading(CHAPTERS[2], level=1)
    doc.add_paragraph("组织生活（三会一课、主题党日等）记录尚未纳入本平台，启用后本章自动生成。")

    # 四、服务阵地、关爱与诉求办理
    doc.add_heading(CHAPTERS[3], level=1)
    line(["active_stations"])
    if has_capability(user, "appeals.kpi"):
        months = report.period.months
        cells = appeal_queries.kpi_cells(
            Appeal.objects.visible_to(user), by="department", months=months
        )  # type: ignore[arg-type]
        kpi = appeal_queries.kpi_total([c for c in cells if c["month"] in set(months)])
        doc.add_paragraph(
            f"报告期内受理诉求 {kpi.received} 件，响应率 {_rate(queries.percent(kpi.response_rate))}，"
            f"解决率 {_rate(queries.percent(kpi.resolution_rate))}，满意率 {_rate(queries.percent(kpi.satisfaction_rate))}；"
            f"超期 {kpi.overdue} 件。"
        )
        line(["open_appeals", "overdue_appeals"])
        trend = appeal_queries.trend(cells, months)
        chart = appeal_chart(
            months,
            trend["received"],
            {k: [queries.percent(v) for v in vals] for k, vals in trend["series"].items()},
        )
        if chart is not None:
            doc.add_picture(chart, width=Cm(16))
        table = [
            r for r in appeal_queries.kpi_table([c for c in cells if c["month"]]) if r["received"]
        ]
        if table:
            doc.add_heading("各承办部门办理情况（按服务结果排序）", level=2)
            _table(
                doc,
                ["承办部门", "受理", "响应率", "解决率", "满意率", "超期"],
                [
                    [
                        r["name"],
                        r["received"],
                        _rate(queries.percent(r["response_rate"])),
                        _rate(queries.percent(r["resolution_rate"])),
                        _rate(queries.percent(r["satisfaction_rate"])),
                        r["overdue"],
                    ]
                    for r in table
                ],
            )
    doc.add_paragraph("关爱帮扶个案尚未纳入本平台，启用后自动列入本章。")

    # 五、责任落实、督导检查与考核
    doc.add_heading(CHAPTERS[4], level=1)
    findings = picture["findings"]
    if findings:
        doc.add_paragraph(
            f"对照规定自动检查发现、尚未整改的问题共 {sum(f['count'] for f in findings)} 个："
        )
        _table(doc, ["规则", "尚未整改"], [[f["rule_id"], f["count"]] for f in findings])
    else:
        doc.add_paragraph("自动检查未发现尚未整改的问题。")
    doc.add_paragraph(
        "联席会议督办事项、督导检查整改和年度考核尚未纳入本平台，启用后自动列入本章。"
    )

    # 六、经费保障
    doc.add_heading(CHAPTERS[5], level=1)
    doc.add_paragraph("经费预算与支出尚未纳入本平台，启用后本章自动生成。")

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def report_filename(user: Any, report: ReportPeriod) -> str:
    return f"新就业群体党建工作报告-{report.filename_stem}.docx"
