"""``pioneer statement``: a member month's points statement (积分明细单), docs/outputs.md "Command line".

Every ledger row (``marts.fct_member_points_ledger``) in plain Chinese with the source record it
came from and the rule it applies, written with the constant's value from the rules as the
warehouse holds them (``marts.dim_rule_version``, the member month's ``rule_version``); caps,
clamp, rounding and veto are lines of their own; then the totals, grade, coefficient, ranks and
MoM/YoY of ``marts.fct_member_index_monthly``. ``--branch`` adds one page per scored member and the
branch's own page (compliance per requirement, member component). A member's page names only that
member; no page shows a phone number (the marts hold none, and raw source rows are never read).
HTML (printable, one page per statement) or CSV.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.layout import Home
from core.vocabulary import VocabularyError, load_vocabulary, rule_version
from pioneer.analysts.sql import connect

GRADE_NAMES = {g.grade: g.grade_name for g in load_vocabulary().grades}
REQUIREMENT_NAMES = load_vocabulary().requirement_names

COMPONENTS = {
    "org_life": "组织生活",
    "learning": "学习教育",
    "performance": "业绩贡献",
    "pioneer_role": "先锋作用",
    "lecture": "讲授云讲座加分",
    "course": "完成课程加分",
    "course_cap": "课程加分封顶",
    "service_bonus": "服务时长加分",
    "service_bonus_cap": "服务时长加分封顶",
    "admin_bonus": "行政加分",
    "admin_deduction": "行政扣分",
    "unexcused_absence": "无故缺席扣分",
    "bonus_cap": "加分月度封顶",
    "deduction_cap": "扣分月度封顶",
    "clamp": "指数上下限",
    "rounding": "四舍五入",
    "veto": "一票否决（清零）",
    "appeal": "申诉更正",
}
APPEAL_COMPONENTS = {"bonus": "加分", "deduction": "扣分", "other": "其他"}  # and COMPONENTS'
# the ledger detail of an accepted appeal (int_member_points_items): id, component, decider, date, reason
APPEAL_DETAIL = re.compile(
    r"^appeal (?P<id>\S+) \((?P<component>\w+)\) accepted(?: by (?P<by>.+?))?"
    r"(?: on (?P<on>\d{4}-\d{2}-\d{2}))?(?:: (?P<reason>.*))?$"
)
SYSTEMS = {
    "meeting": "三会一课系统",
    "learning": "学习平台",
    "performance": "绩效系统",
    "admin": "党建办事项",
    "rules": "评价规则",
    "appeals": "申诉",
}


class StatementError(LookupError):
    """Nothing to state: the member or branch is not scored in that month."""


@dataclass
class Line:
    item: str
    rule: str
    source: str
    points: float


@dataclass
class Page:
    key: str  # employee number, or the branch id
    title: str
    facts: list[tuple[str, str]]
    lines: list[Line] = field(default_factory=list)
    compliance: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    totals: list[tuple[str, str]] = field(default_factory=list)


def _n(value) -> str:
    """A number as a statement writes it: at most four decimals, no trailing zeros."""
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _numbers(text: str | None) -> list[str]:
    return re.findall(r"-?\d+(?:\.\d+)?", text or "")


def rule_text(component: str, points, detail: str | None, rules: dict) -> str:
    """The rule a ledger row applies, with the constants of its rules version."""
    r, v, got = rules, rules["rule_version"], _n(points)
    nums = _numbers(detail)
    if component == "org_life" and len(nums) >= 3:
        attended, due, excused = nums[:3]
        denom = int(due) - int(excused)
        if denom <= 0:
            return f"组织生活 应到 {due} 次、请假 {excused} 次，无需出席：记满分 {_n(r['org_life_max'])}（规则 {v}）"
        return (
            f"组织生活 {_n(r['org_life_max'])} × 出席 {attended} / (应到 {due} − 请假 {excused}) = {got}"
            f"（规则 {v}）"
        )
    if component == "learning" and "courses basis" in (detail or "") and len(nums) >= 3:
        return (
            f"学习教育 {_n(r['learning_max'])} × min(完成课程 {_n(nums[0])} 门 / 目标 {_n(nums[1])} 门, 1) = {got}"
            f"（按完成课程计分，平台积分 {_n(nums[2])} 不计分；规则 {v}）"
        )
    if component == "appeal" and (appeal := APPEAL_DETAIL.match(detail or "")):
        what = COMPONENTS.get(appeal["component"]) or APPEAL_COMPONENTS.get(
            appeal["component"], appeal["component"]
        )
        by = f"经 {appeal['by']} " if appeal["by"] else ""
        on = f"于 {appeal['on']} " if appeal["on"] else ""
        reason = f"：{appeal['reason']}" if appeal["reason"] else ""
        sign = "+" if float(points) > 0 else ""
        return f"申诉 {appeal['id']}（{what}）{by}{on}核准{reason}，更正 {sign}{got}（不受加分、扣分封顶限制；规则 {v}）"
    if component == "learning" and len(nums) >= 2:
        return (
            f"学习教育 {_n(r['learning_max'])} × min(学习积分 {_n(nums[0])} / 目标 {_n(nums[1])}, 1) = {got}"
            f"（目标 = {_n(r['learning_monthly_target'])} × 在册天数 / 当月天数；规则 {v}）"
        )
    if component == "performance":
        if not nums:
            return f"业绩贡献：当月无 KPI 记录，记 0（规则 {v}）"
        return (
            f"业绩贡献 {_n(r['performance_max'])} × min(KPI {_n(nums[0])}, {_n(r['kpi_full_score'])}) / "
            f"{_n(r['kpi_full_score'])} = {got}（规则 {v}）"
        )
    if component == "pioneer_role" and nums:
        return (
            f"先锋作用 {_n(r['pioneer_role_max'])} × min(服务时长 {_n(nums[0])} 小时 / "
            f"{_n(r['service_target_hours'])}, 1) = {got}（规则 {v}）"
        )
    simple = {
        "lecture": f"每讲授一次云讲座 +{_n(r['lecture_points'])}",
        "course": f"每完成一门课程 +{_n(r['course_points'])}，每月至多 +{_n(r['course_bonus_cap'])}",
        "course_cap": f"课程加分每月至多 {_n(r['course_bonus_cap'])}，超出部分 {got}",
        "service_bonus": (
            f"服务时长 {_n(nums[0]) if nums else '?'} 小时，超过 {_n(r['service_target_hours'])} 小时的"
            f"每整小时 +{_n(r['service_bonus_per_hour'])} = {got}"
        ),
        "service_bonus_cap": f"服务时长加分每月至多 {_n(r['service_bonus_cap'])}，超出部分 {got}",
        "admin_bonus": f"经批准的行政加分事项：{detail or ''}",
        "admin_deduction": f"经批准的行政扣分事项：{detail or ''}",
        "unexcused_absence": f"无故缺席应参加的会议，每次 −{_n(r['unexcused_absence_points'])}",
        "bonus_cap": f"加分每月至多 {_n(r['bonus_cap'])}，超出部分 {got}",
        "deduction_cap": f"扣分每月至多 {_n(r['deduction_cap'])}，超出部分 +{got}",
        "clamp": f"指数限定在 {_n(r['index_min'])}–{_n(r['index_max'])} 之间，调整 {got}",
        "rounding": f"最终结果四舍五入（远离零）保留 {int(r['index_decimals'])} 位小数，调整 {got}",
        "veto": f"经批准的一票否决事项：当月指数清零，等级为后进，调整 {got}",
        "appeal": f"申诉经核准更正 {got}（不受加分、扣分封顶限制）",
    }
    return simple.get(component, detail or component) + f"（规则 {v}）"


def source_text(system: str | None, record: str | None, detail: str | None, component: str) -> str:
    where = SYSTEMS.get(system or "", system or "")
    if component in ("org_life", "learning", "performance", "pioneer_role", "service_bonus"):
        return f"{where}（本人当月记录）"
    if record:
        return f"{where} 记录 {record}"
    return where


def _one_row(con: duckdb.DuckDBPyConnection, sql: str, params: list, missing: str) -> dict:
    """The first row of ``sql`` by column name; StatementError(``missing``) when there is none."""
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    if row is None:
        raise StatementError(missing)
    return dict(zip(names, row, strict=True))


def _rules(con: duckdb.DuckDBPyConnection, version: str) -> dict:
    """Rule version ``version``'s constants by name (:func:`core.vocabulary.rule_version`)."""
    try:
        return rule_version(con, version).model_dump()
    except VocabularyError as exc:
        raise StatementError(f"rules version {version}: {exc}") from None


def _delta(value) -> str:
    return "—" if value is None else f"{float(value):+.2f}"


def member_page(con: duckdb.DuckDBPyConnection, employee_no: str, month: str) -> Page:
    row = _one_row(
        con,
        "select i.*, m.name, b.branch_name, b.department_name, "
        "(select count(*) from marts.fct_member_index_monthly o "
        " where o.month = i.month and o.branch_id = i.branch_id) as branch_members "
        "from marts.fct_member_index_monthly i "
        "left join marts.dim_member m on m.member_id = i.member_id "
        "left join marts.dim_branch b on b.branch_id = i.branch_id "
        "where i.employee_no = ? and i.month = ?",
        [employee_no, month],
        f"employee {employee_no} is not a scored member in {month}",
    )
    rules = _rules(con, row["rule_version"])
    ledger = con.execute(
        "select component, points, source_system, source_record_id, detail "
        "from marts.fct_member_points_ledger where member_id = ? and month = ? "
        "order by case when component in ('org_life', 'learning', 'performance', 'pioneer_role') then 0 "
        "when source_system = 'rules' or component = 'veto' then 3 when points >= 0 then 1 else 2 end, "
        "component, source_record_id",
        [row["member_id"], month],
    ).fetchall()
    page = Page(
        key=employee_no,
        title=f"先锋指数积分明细单 · {month}",
        facts=[
            ("姓名", row["name"] or ""),
            ("工号", employee_no),
            (
                "支部",
                f"{row['branch_name'] or row['branch_id']}（{row['department_name'] or row['department_id']}）",
            ),
            ("月份", month),
            ("在册天数", str(row["active_days"])),
            ("评价规则", f"{row['rule_version']}（生效 {rules['effective_from']}）"),
        ],
    )
    for component, points, system, record, detail in ledger:
        page.lines.append(
            Line(
                COMPONENTS.get(component, component),
                rule_text(component, points, detail, rules),
                source_text(system, record, detail, component),
                float(points),
            )
        )
    total = sum(line.points for line in page.lines)
    grade = row["grade"]
    page.totals = [
        ("明细合计", _n(total)),
        ("基本指数", f"{_n(row['base'])}（组织生活 {_n(row['org_life'])}、学习教育 {_n(row['learning'])}、"
         f"业绩贡献 {_n(row['performance'])}、先锋作用 {_n(row['pioneer_role'])}）"),
        ("正向加分（封顶后）", _n(row["bonus"])),
        ("反向扣分（封顶后）", _n(row["deductions"])),
        ("先锋指数", f"{float(row['index_score']):.2f}" + ("（一票否决）" if row["vetoed"] else "")),
        ("等级", GRADE_NAMES.get(grade, grade)),
        ("绩效系数", f"{float(row['performance_coefficient']):.2f}"),
        ("支部内排名", f"{row['rank_in_branch']} / {row['branch_members']}"),
        ("全公司排名", f"{row['rank_overall']} / {row['scored_members']}"),
        ("环比", _delta(row["mom_delta"])),
        ("同比", _delta(row["yoy_delta"])),
    ]  # fmt: skip
    if row["kpi_missing"]:
        page.totals.append(("说明", "当月无 KPI 记录，业绩贡献记 0"))
    return page


def branch_page(con: duckdb.DuckDBPyConnection, branch_id: str, month: str) -> Page:
    row = _one_row(
        con,
        "select i.*, b.branch_name, b.department_name from marts.fct_branch_index_monthly i "
        "left join marts.dim_branch b on b.branch_id = i.branch_id where i.branch_id = ? and i.month = ?",
        [branch_id, month],
        f"branch {branch_id} has no scored member in {month}",
    )
    rules = _rules(con, row["rule_version"])
    page = Page(
        key=branch_id,
        title=f"支部先锋指数 · {month}",
        facts=[
            ("支部", f"{row['branch_name'] or branch_id}（{branch_id}）"),
            ("所属部门", row["department_name"] or ""),
            ("月份", month),
            ("评价规则", row["rule_version"]),
        ],
    )
    for requirement, group, due, met, meetings in con.execute(
        "select requirement, party_group, is_due, is_met, meeting_ids from marts.fct_branch_compliance_monthly "
        "where branch_id = ? and month = ? order by requirement, party_group",
        [branch_id, month],
    ).fetchall():
        page.compliance.append(
            (
                REQUIREMENT_NAMES.get(requirement, requirement),
                group or "",
                "应开展" if due else "本月不考核",
                ("已完成" if met else "未完成") if due else "—",
                meetings or "",
            )
        )
    page.totals = [
        ("评价党员人数", str(row["scored_members"])),
        ("党员指数（平均）", _n(row["member_component"])),
        ("三会一课合规", f"{_n(row['compliance'])}（完成 {_n(row['compliance_met'])} / 应开展 {_n(row['compliance_due'])}）"),
        ("支部指数", f"{_n(rules['branch_member_weight'])} × 党员指数 + {_n(rules['branch_compliance_weight'])} × 合规 "
         f"= {float(row['index_score']):.2f}"),
        ("星级", f"{row['stars']} 星"),
        ("全公司排名", str(row["rank_overall"])),
        ("环比", _delta(row["mom_delta"])),
        ("同比", _delta(row["yoy_delta"])),
    ]  # fmt: skip
    return page


def pages(home: Path, month: str, employee_no: str | None = None, branch: str | None = None) -> list[Page]:
    with connect(home) as con:
        if employee_no is not None:
            return [member_page(con, employee_no, month)]
        members = [
            r[0]
            for r in con.execute(
                "select employee_no from marts.fct_member_index_monthly where branch_id = ? and month = ? "
                "order by employee_no",
                [branch, month],
            ).fetchall()
        ]
        if not members:
            raise StatementError(f"branch {branch} has no scored member in {month}")
        return [branch_page(con, branch, month)] + [member_page(con, e, month) for e in members]


STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; margin: 2em;
       color: #222; }
section.statement { page-break-after: always; break-after: page; margin-bottom: 3em; }
h1 { font-size: 1.4em; border-bottom: 2px solid #c0392b; padding-bottom: .3em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dl.facts dt { font-weight: bold; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: .92em; }
th, td { border: 1px solid #999; padding: .3em .5em; text-align: left; vertical-align: top; }
td.points { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.adjustment td { font-style: italic; background: #f6f6f6; }
@media print { body { margin: 0; } }
"""
ADJUSTMENTS = {COMPONENTS[c] for c in ("course_cap", "service_bonus_cap", "bonus_cap", "deduction_cap",
                                       "clamp", "rounding", "veto")}  # fmt: skip


def render_html(statement_pages: list[Page]) -> str:
    e = html.escape
    body = []
    for page in statement_pages:
        parts = [f'<section class="statement" data-key="{e(page.key)}">', f"<h1>{e(page.title)}</h1>"]
        parts.append(
            '<dl class="facts">' + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in page.facts) + "</dl>"
        )
        if page.lines:
            parts.append("<table class=\"ledger\"><thead><tr><th>项目</th><th>规则与计算</th><th>来源记录</th>"
                         "<th>分值</th></tr></thead><tbody>")  # fmt: skip
            for line in page.lines:
                cls = ' class="adjustment"' if line.item in ADJUSTMENTS else ""
                parts.append(
                    f"<tr{cls}><td>{e(line.item)}</td><td>{e(line.rule)}</td><td>{e(line.source)}</td>"
                    f'<td class="points">{"+" if line.points >= 0 else ""}{_n(line.points)}</td></tr>'
                )
            parts.append("</tbody></table>")
        if page.compliance:
            parts.append("<table class=\"compliance\"><thead><tr><th>三会一课要求</th><th>党小组</th><th>本月</th>"
                         "<th>完成情况</th><th>会议</th></tr></thead><tbody>")  # fmt: skip
            parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in page.compliance]
            parts.append("</tbody></table>")
        parts.append('<table class="totals"><tbody>')
        parts += [f'<tr><th>{e(k)}</th><td data-key="{e(k)}">{e(v)}</td></tr>' for k, v in page.totals]
        parts.append("</tbody></table></section>")
        body.append("\n".join(parts))
    title = statement_pages[0].title if statement_pages else "先锋指数积分明细单"
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def render_csv(statement_pages: list[Page]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["page", "kind", "item", "rule", "source", "value"])
    for page in statement_pages:
        for k, v in page.facts:
            writer.writerow([page.key, "fact", k, "", "", v])
        for line in page.lines:
            writer.writerow([page.key, "ledger", line.item, line.rule, line.source, _n(line.points)])
        for row in page.compliance:
            writer.writerow(
                [page.key, "compliance", row[0], row[2], row[4], row[3] + (f" {row[1]}" if row[1] else "")]
            )
        for k, v in page.totals:
            writer.writerow([page.key, "total", k, "", "", v])
    return out.getvalue()


def write_statement(
    home: Path, month: str, out: Path | None, employee_no: str | None = None, branch: str | None = None
) -> Path:
    statement_pages = pages(home, month, employee_no, branch)
    if out is None:
        out = Home(home).statements / f"statement_{employee_no or branch}_{month}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_csv(statement_pages) if out.suffix.lower() == ".csv" else render_html(statement_pages)
    out.write_text(text, encoding="utf-8")
    return out
