"""Monthly report: one self-contained HTML page of charts read straight from the marts.

The page inlines the Vega, Vega-Lite and vega-embed JavaScript (the bundle of ``vl-convert-python``),
so it opens without network access. Every number comes from the published warehouse, opened
read-only (see :mod:`pioneer.sql`). Data columns keep their English mart names; grades,
requirements and statuses are shown with their Chinese labels.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import altair as alt
import duckdb
import pandas as pd

from pioneer.sql import connect

GRADES = {
    "PIONEER": "先锋 PIONEER",
    "QUALIFIED": "合格 QUALIFIED",
    "WARNING": "警示 WARNING",
    "LAGGING": "后进 LAGGING",
}
GRADE_COLORS = ["#c0392b", "#2e86c1", "#f39c12", "#7f8c8d"]
# Score bands of the grades (index-rules.md); PIONEER also needs a rank in the top 10 %.
GRADE_BANDS = [("LAGGING", 0, 60), ("WARNING", 60, 70), ("QUALIFIED", 70, 90), ("PIONEER", 90, 100)]
REQUIREMENTS = {
    "committee": "支委会",
    "theme_day": "主题党日",
    "group": "党小组会",
    "branch_general": "支部党员大会",
    "lecture": "党课",
}
QUARTERLY_REQUIREMENTS = ["branch_general", "lecture"]
STATUSES = {
    "applicant": "入党申请人",
    "activist": "入党积极分子",
    "candidate": "发展对象",
    "probationary": "预备党员",
    "full": "正式党员",
}
CADENCE = {"green": "按期 on cadence", "amber": "落后 behind", "red": "严重落后 far behind"}
CADENCE_RULE = (
    "Each cell counts the requirement's due occurrences in the three months ending with this month "
    "(党小组会: one per party group and month) and how many were met. "
    "绿 green: none missed. 黄 amber: one monthly occurrence missed. "
    "红 red: two or more missed, or the quarterly 支部党员大会 / 党课 missed at the last quarter end."
)


class ReportError(ValueError):
    """The month cannot be reported (no scored members in the warehouse for it)."""


def default_path(home: Path, month: str) -> Path:
    return home / "reports" / f"pioneer_report_{month}.html"


def write_report(home: Path, month: str, out: Path | None = None) -> Path:
    out = out or default_path(home, month)
    with connect(home) as con:
        page = render(month, key_numbers(con, month), charts(con, month), alerts_section(con, home))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def key_numbers(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, float]:
    scored, mean, pioneers = con.execute(
        """
        select count(*), round(avg(index_score), 2), count(*) filter (where grade = 'PIONEER')
        from marts.fct_member_index_monthly where month = $month
        """,
        {"month": month},
    ).fetchone()
    if scored == 0:
        first, last = con.execute(
            "select min(month), max(month) from marts.fct_member_index_monthly"
        ).fetchone()
        raise ReportError(f"no scored members in {month}; the warehouse holds {first} to {last}")
    branches = con.execute(
        "select count(*) from marts.fct_branch_index_monthly where month = $month", {"month": month}
    ).fetchone()[0]
    return {"scored_members": scored, "mean_index": float(mean), "pioneers": pioneers, "branches": branches}


def frame(con: duckdb.DuckDBPyConnection, sql: str, month: str) -> pd.DataFrame:
    """Run one of the queries below with the parameters it names."""
    params = {
        "month": month,
        "month_start": date.fromisoformat(f"{month}-01"),
        "quarterly": QUARTERLY_REQUIREMENTS,
    }
    return con.execute(sql, {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}).df()


def charts(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, tuple[str, str, alt.TopLevelMixin]]:
    """Chart id → (title, note, chart), in page order."""
    return {
        "branch-ranking": (
            "支部先锋指数排名 Branch index ranking",
            "Branch index = 0.7 × mean member index + 0.3 × 三会一课 compliance. "
            "Stars: ★★★ ≥ 90, ★★ ≥ 80, ★ ≥ 70.",
            branch_ranking(frame(con, BRANCH_RANKING_SQL, month)),
        ),
        "member-distribution": (
            "党员先锋指数分布 Distribution of member indexes",
            "Members per 5-point bin, coloured by grade; the shaded bands are the grades' score bands "
            "(先锋 also needs a rank in the top 10 % of scored members).",
            member_distribution(frame(con, MEMBER_INDEX_SQL, month)),
        ),
        "department-trend": (
            "部门指数走势 Department trend",
            "Department index = mean index of the department's scored members, the last 13 months.",
            department_trend(frame(con, DEPARTMENT_TREND_SQL, month)),
        ),
        "department-deltas": (
            "环比 / 同比 Month-over-month and year-over-year",
            "Change of the department index against the previous month (环比) and the same month a "
            "year earlier (同比); no bar when that month has no index.",
            department_deltas(frame(con, DEPARTMENT_DELTAS_SQL, month)),
        ),
        "compliance-heatmap": (
            "三会一课 合规预警 Compliance by branch and requirement",
            CADENCE_RULE,
            compliance_heatmap(frame(con, COMPLIANCE_SQL, month)),
        ),
        "recruitment-pipeline": (
            "党员发展 Recruitment pipeline",
            "Persons at each status at month end, all branches; (+N) entered the status this month.",
            recruitment_pipeline(frame(con, RECRUITMENT_SQL, month)),
        ),
        "appeals": (
            "党员申诉 Appeals",
            appeals_note(frame(con, APPEALS_SUMMARY_SQL, month)),
            appeals_by_component(frame(con, APPEALS_SQL, month)),
        ),
    }


BRANCH_RANKING_SQL = """
select i.branch_id, b.branch_name, b.department_name, i.index_score::double as index_score, i.stars,
       i.rank_overall, i.scored_members, i.compliance::double as compliance,
       i.mom_delta::double as mom_delta, i.yoy_delta::double as yoy_delta
from marts.fct_branch_index_monthly i join marts.dim_branch b using (branch_id)
where i.month = $month
order by i.rank_overall, b.branch_name
"""

MEMBER_INDEX_SQL = """
select member_id, index_score::double as index_score, grade
from marts.fct_member_index_monthly where month = $month
"""

DEPARTMENT_MONTHS_CTE = """
with departments as (select distinct department_id, department_name from marts.dim_branch where is_listed),
department_months as (
    select department_id, month, month_start, avg(index_score)::double as index_score, count(*) as scored_members
    from marts.fct_member_index_monthly
    where month_start between $month_start - interval 12 month and $month_start
    group by all
)
"""

DEPARTMENT_TREND_SQL = (
    DEPARTMENT_MONTHS_CTE
    + """
select d.department_name, m.month, round(m.index_score, 2) as index_score, m.scored_members
from department_months m join departments d using (department_id)
order by d.department_name, m.month
"""
)

DEPARTMENT_DELTAS_SQL = (
    DEPARTMENT_MONTHS_CTE
    + """
select d.department_name, comparison, round(delta, 2) as delta
from department_months cur
join departments d using (department_id)
left join department_months prev
  on prev.department_id = cur.department_id and prev.month_start = cur.month_start - interval 1 month
left join department_months last_year
  on last_year.department_id = cur.department_id and last_year.month_start = cur.month_start - interval 12 month
cross join lateral (values ('环比 MoM', cur.index_score - prev.index_score),
                           ('同比 YoY', cur.index_score - last_year.index_score)) as c(comparison, delta)
where cur.month_start = $month_start and delta is not null
order by d.department_name, comparison
"""
)

COMPLIANCE_SQL = """
with recent as (
    select branch_id, requirement,
           count(*) filter (where is_due) as due,
           count(*) filter (where is_due and not is_met) as missed
    from marts.fct_branch_compliance_monthly
    where month_start between $month_start - interval 2 month and $month_start
    group by all
    having due > 0
)
select b.branch_name, r.requirement, r.due, r.missed,
       case when r.missed >= 2 or (r.missed = 1 and list_contains($quarterly, r.requirement)) then 'red'
            when r.missed = 1 then 'amber'
            else 'green' end as cadence
from recent r
join marts.fct_branch_index_monthly i on i.branch_id = r.branch_id and i.month = $month
join marts.dim_branch b on b.branch_id = r.branch_id
order by b.branch_name, r.requirement
"""

RECRUITMENT_SQL = """
select status, status_stage, sum(persons_at_month_end)::bigint as persons_at_month_end,
       sum(transitions_in)::bigint as transitions_in
from marts.fct_recruitment_pipeline_monthly
where month = $month and status <> 'inactive'
group by all
order by status_stage
"""


APPEALS_WINDOW = """
from marts.fct_member_appeals
where month between strftime($month_start - interval 11 month, '%Y-%m') and $month
"""

APPEALS_SQL = (
    """
select component, status, count(*) as appeals
"""
    + APPEALS_WINDOW
    + """
group by all order by component, status
"""
)

APPEALS_SUMMARY_SQL = (
    """
select strftime($month_start - interval 11 month, '%Y-%m') as first_month,
       count(*) as filed,
       count(*) filter (where status = 'submitted') as open,
       count(*) filter (where status = 'accepted') as accepted,
       median(days_open) as median_days_open
"""
    + APPEALS_WINDOW
)

APPEAL_COMPONENTS = {
    "org_life": "组织生活",
    "learning": "学习教育",
    "performance": "业绩贡献",
    "pioneer_role": "先锋作用",
    "bonus": "加分",
    "deduction": "扣分",
    "other": "其他",
}
APPEAL_STATUSES = {"submitted": "待处理 open", "accepted": "采纳 accepted", "rejected": "驳回 rejected",
                   "withdrawn": "撤回 withdrawn"}  # fmt: skip


def appeals_note(df: pd.DataFrame) -> str:
    row = df.iloc[0]
    days = "—" if pd.isna(row["median_days_open"]) else f"{float(row['median_days_open']):g}"
    return (
        f"Appeals about the months {row['first_month']} .. this month (latest version of each): "
        f"filed {int(row['filed'])}, open {int(row['open'])}, accepted {int(row['accepted'])}; "
        f"median days open {days} (filing to decision, or to the clock while open). By component and status."
    )


def appeals_by_component(df: pd.DataFrame) -> alt.Chart:
    df = df.assign(
        component_label=df["component"].map(APPEAL_COMPONENTS).fillna(df["component"]),
        status_label=df["status"].map(APPEAL_STATUSES).fillna(df["status"]),
    )
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("component_label:N", sort=list(APPEAL_COMPONENTS.values()), title=None),
            x=alt.X("appeals:Q", title="appeals 申诉件数"),
            color=alt.Color(
                "status_label:N",
                scale=alt.Scale(
                    domain=list(APPEAL_STATUSES.values()), range=["#f39c12", "#27ae60", "#7f8c8d", "#bdc3c7"]
                ),
                title=None,
            ),
            tooltip=["component", "status", "appeals"],
        )
        .properties(width=560, height=alt.Step(26))
    )


def branch_ranking(df: pd.DataFrame) -> alt.LayerChart:
    df = df.assign(
        stars_label=df["stars"].map(lambda n: "★" * n or "—"),
        index_label=lambda d: d["stars_label"] + " " + d["index_score"].map("{:.2f}".format),
    )
    base = alt.Chart(df).encode(
        y=alt.Y("branch_name:N", sort=alt.EncodingSortField("index_score", order="descending"), title=None),
        x=alt.X("index_score:Q", scale=alt.Scale(domain=[0, 100]), title="branch index 支部指数"),
        tooltip=[
            "branch_id",
            "branch_name",
            "department_name",
            "index_score",
            "stars",
            "rank_overall",
            "scored_members",
            "compliance",
            "mom_delta",
            "yoy_delta",
        ],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "stars:O",
            scale=alt.Scale(domain=[0, 1, 2, 3], range=["#bdc3c7", "#f5cba7", "#eb984e", "#c0392b"]),
            title="stars 星级",
        )
    )
    labels = base.mark_text(align="left", dx=4).encode(text="index_label:N")
    return (bars + labels).properties(width=620, height=alt.Step(16))


def member_distribution(df: pd.DataFrame) -> alt.LayerChart:
    df = df.assign(grade_label=df["grade"].map(GRADES))
    bands = pd.DataFrame(
        [{"band": GRADES[grade], "band_start": lo, "band_end": hi} for grade, lo, hi in GRADE_BANDS]
    )
    grade_scale = alt.Scale(domain=list(GRADES.values()), range=GRADE_COLORS)
    shade = (
        alt.Chart(bands)
        .mark_rect(opacity=0.12)
        .encode(
            x=alt.X("band_start:Q"),
            x2="band_end:Q",
            fill=alt.Fill("band:N", scale=grade_scale, legend=None),
        )
    )
    bars = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("index_score:Q", bin=alt.Bin(extent=[0, 100], step=5), title="member index 党员指数"),
            y=alt.Y("count():Q", title="members 人数"),
            color=alt.Color("grade_label:N", scale=grade_scale, title="grade 等级"),
            tooltip=["grade_label:N", "count():Q"],
        )
    )
    return (shade + bars).resolve_scale(fill="independent").properties(width=620, height=260)


def department_trend(df: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title="month 月份"),
            y=alt.Y("index_score:Q", scale=alt.Scale(zero=False), title="department index 部门指数"),
            color=alt.Color("department_name:N", title="department 部门"),
            tooltip=["department_name", "month", "index_score", "scored_members"],
        )
        .properties(width=620, height=280)
    )


def department_deltas(df: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("department_name:N", title=None),
            yOffset="comparison:N",
            x=alt.X("delta:Q", title="change in index points 指数变化"),
            color=alt.Color(
                "comparison:N",
                scale=alt.Scale(domain=["环比 MoM", "同比 YoY"], range=["#2e86c1", "#8e44ad"]),
                title=None,
            ),
            tooltip=["department_name", "comparison", "delta"],
        )
        .properties(width=620, height=alt.Step(14))
    )


def compliance_heatmap(df: pd.DataFrame) -> alt.LayerChart:
    df = df.assign(
        requirement_label=df["requirement"].map(REQUIREMENTS),
        cadence_label=df["cadence"].map(CADENCE),
        met_label=(df["due"] - df["missed"]).astype(str) + "/" + df["due"].astype(str),
    )
    base = alt.Chart(df).encode(
        x=alt.X(
            "requirement_label:N",
            sort=list(REQUIREMENTS.values()),
            axis=alt.Axis(labelAngle=0, orient="top"),
            title="三会一课 requirement",
        ),
        y=alt.Y("branch_name:N", title=None),
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            "cadence_label:N",
            scale=alt.Scale(domain=list(CADENCE.values()), range=["#27ae60", "#f1c40f", "#e74c3c"]),
            title="cadence 预警",
        ),
        tooltip=["branch_name", "requirement", "requirement_label", "due", "missed", "cadence"],
    )
    text = base.mark_text(fontSize=10).encode(text="met_label:N")
    return (cells + text).properties(width=420, height=alt.Step(16))


def recruitment_pipeline(df: pd.DataFrame) -> alt.LayerChart:
    df = df.assign(
        status_label=df["status"].map(STATUSES),
        count_label=df["persons_at_month_end"].astype(str) + " (+" + df["transitions_in"].astype(str) + ")",
    )
    base = alt.Chart(df).encode(
        y=alt.Y("status_label:N", sort=list(STATUSES.values()), title=None),
        x=alt.X("persons_at_month_end:Q", title="persons at month end 月末人数"),
        tooltip=["status", "status_label", "persons_at_month_end", "transitions_in"],
    )
    bars = base.mark_bar(color="#c0392b")
    labels = base.mark_text(align="left", dx=4).encode(text="count_label:N")
    return (bars + labels).properties(width=560, height=alt.Step(26))


NUMBER_LABELS = {  # key → (label, decimals shown)
    "scored_members": ("计分党员 scored members", 0),
    "mean_index": ("平均指数 mean index", 2),
    "pioneers": ("先锋 PIONEER members", 0),
    "branches": ("支部 branches", 0),
}


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def alerts_section(con: duckdb.DuckDBPyConnection, home: Path) -> str:
    """预警, as of the warehouse's clock: the branches with a 三会一课 requirement at risk in the
    open month or quarter (``fct_branch_cadence_status``), counted and listed, and the KPI
    completeness of the month being exported, by department (the alert file's two lists, from
    the same functions: ``exports.alerts``)."""
    import datetime as dt

    from exports.alerts import completeness_alerts
    from pioneer.config import SHANGHAI, Settings

    try:
        at_risk = con.execute(
            """
            select status.as_of_date, status.branch_id, branch.branch_name, status.period,
                   status.requirement_name, coalesce(status.party_group, '') as party_group, status.days_left
            from marts.fct_branch_cadence_status as status
            left join marts.dim_branch as branch on branch.branch_id = status.branch_id
            where status.status = 'at_risk'
            order by status.days_left, status.branch_id, status.period, status.requirement, party_group
            """
        ).fetchall()
        (as_of,) = con.execute("select max(as_of_date) from marts.fct_branch_cadence_status").fetchone()
    except duckdb.CatalogException:  # a warehouse built before the cadence mart existed
        return ""
    if as_of is None:
        return ""
    clock = dt.datetime.combine(as_of, dt.time(12), SHANGHAI)
    completeness = completeness_alerts(con, Settings(home=home, now=clock))
    branches = sorted({row[1] for row in at_risk})
    cadence = (
        _table(
            ["支部 branch", "期间 period", "要求 requirement", "党小组 group", "剩余天数 days left"],
            [
                [name or branch, period, req, group, days]
                for _, branch, name, period, req, group, days in at_risk
            ],
        )
        if at_risk
        else '<p class="note">无 none.</p>'
    )
    kpi = (
        _table(
            [
                "部门 department",
                "月份 month",
                "覆盖率 coverage",
                "要求 required",
                "缺 KPI missing",
                "导出日 export day",
            ],
            [
                [
                    a["department_name"] or a["department_id"],
                    a["period"],
                    f"{a['coverage']:.1%}",
                    f"{a['min_kpi_coverage']:.0%}",
                    f"{a['kpi_missing']}: {'、'.join(a['missing_employee_nos'])}",
                    a["export_date"],
                ]
                for a in completeness
            ],
        )
        if completeness
        else '<p class="note">无 none: every department at or above the coverage its export needs, or no export '
        "pending.</p>"
    )
    return (
        f'<section class="alerts" id="alerts"><h2>预警 Alerts (as of {as_of})</h2>'
        f'<h3>三会一课 at risk: <span class="count" data-key="branches_at_risk">{len(branches)}</span> '
        f"branches 个支部</h3>"
        '<p class="note">Requirements of the open month or quarter not met yet with at most alert_days days '
        "left (the clock's day counted).</p>"
        f"{cadence}<h3>KPI 数据完整性 completeness</h3>"
        '<p class="note">From day 1 of M+1 until its export day: departments whose KPI coverage of M is '
        "below min_kpi_coverage (the export gate's figure).</p>"
        f"{kpi}</section>"
    )


def render(
    month: str,
    numbers: dict[str, float],
    charts: dict[str, tuple[str, str, alt.TopLevelMixin]],
    alerts: str = "",
) -> str:
    numbers_html = "".join(
        f'<div class="number" data-key="{key}"><span class="value">{numbers[key]:,.{digits}f}</span>'
        f'<span class="label">{html.escape(label)}</span></div>'
        for key, (label, digits) in NUMBER_LABELS.items()
    )
    sections = "".join(
        f'<section><h2>{html.escape(title)}</h2><p class="note">{html.escape(note)}</p>'
        f'<div class="chart" id="{chart_id}"></div></section>'
        for chart_id, (title, note, _) in charts.items()
    )
    specs = {chart_id: chart.to_dict() for chart_id, (_, _, chart) in charts.items()}
    specs_json = json.dumps(specs, ensure_ascii=False).replace("</", "<\\/")
    return PAGE.format(
        month=month,
        numbers=numbers_html,
        alerts=alerts,
        sections=sections,
        embed=EMBED.format(specs=specs_json),
        bundle=javascript_bundle(),
        style=STYLE,
    )


def javascript_bundle() -> str:
    """Vega, Vega-Lite (altair's version) and vega-embed in one script: pages open offline."""
    import vl_convert

    return vl_convert.javascript_bundle(vl_version="_".join(alt.SCHEMA_VERSION.split(".")[:2]))


STYLE = """
body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2em auto;
       max-width: 960px; color: #222; }
h1 { color: #c0392b; margin-bottom: 0.2em; }
.numbers { display: flex; gap: 1em; margin: 1em 0 2em; }
.number { flex: 1; border: 1px solid #ddd; border-top: 4px solid #c0392b; padding: 0.6em 1em; }
.number .value { display: block; font-size: 1.8em; font-weight: bold; }
.number .label { color: #666; font-size: 0.9em; }
section { margin-bottom: 2.5em; }
.note { color: #555; font-size: 0.9em; max-width: 800px; }
.alerts { border-left: 4px solid #f39c12; padding-left: 1em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; }
"""

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>先锋指数月报 Pioneer Index report {month}</title>
<style>{style}</style>
<script>{bundle}</script>
</head>
<body>
<h1>先锋指数月报 Pioneer Index report {month}</h1>
<p class="note">Read from the published warehouse (schema marts) for month {month}.</p>
{alerts}
<div class="numbers">{numbers}</div>
{sections}
{embed}
</body>
</html>
"""
# renders every chart spec of a page into the element of its id (the pages' one script)
EMBED = """<script>
const specs = {specs};
for (const [id, spec] of Object.entries(specs)) {{
  vegaEmbed("#" + id, spec, {{renderer: "svg", actions: false}}).catch(console.error);
}}
</script>"""
