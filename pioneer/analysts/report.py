"""Monthly report (先锋指数月报): one self-contained, printable HTML page read straight from the marts.

The page inlines the Vega, Vega-Lite and vega-embed JavaScript (the bundle of ``vl-convert-python``),
so it opens without network access. Every number comes from the published warehouse, opened
read-only (see :mod:`pioneer.analysts.sql`), and so do the rules it quotes: grade bands, branch weights
and stars are read from the rule version the month was scored with (``marts.dim_rule_version``,
through :mod:`core.vocabulary`), the names of the 三会一课 requirements from the marts
(``requirement_name``), the labels of codes from the vocabulary seeds. The page is written for
the party-building office (党建办): every explanation in Chinese with the English beside it, the
month's 先锋 and 后进 lists, one printed page per branch (``section.branch``, A4 print styles) and a
footnote (页脚说明) with the rules version, the KPI gaps and the generation time.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from datetime import date
from pathlib import Path

import altair as alt
import duckdb
import pandas as pd

from core.layout import Home
from core.vocabulary import VocabularyError, load_vocabulary
from core.vocabulary import rules_in_force as month_rules
from pioneer.analysts.sql import connect

# Labels only (the codes' Chinese names, vocabulary seeds); the numbers behind them are the rules'.
GRADES = load_vocabulary().grade_labels  # PIONEER → 先锋 PIONEER, best first
GRADE_COLORS = ["#c0392b", "#2e86c1", "#f39c12", "#7f8c8d"]
STATUSES = load_vocabulary().status_names
CADENCE = {"green": "按期 on cadence", "amber": "落后 behind", "red": "严重落后 far behind"}
CADENCE_RULE = (
    "每格统计截至本月的三个月内该项要求的应开次数与已完成次数（党小组会按党小组、按月计）。"
    "绿：无缺漏；黄：缺一次月度要求；红：缺两次及以上，或上一季度末的支部党员大会／党课未开。",
    "Each cell counts the requirement's due occurrences in the three months ending with this month "
    "(党小组会: one per party group and month) and how many were met. "
    "绿 green: none missed. 黄 amber: one monthly occurrence missed. "
    "红 red: two or more missed, or the quarterly 支部党员大会 / 党课 missed at the last quarter end.",
)
# The four base dimensions (docs/scoring.md), shown with their maxima from the rules.
DIMENSIONS = {
    "org_life": "组织生活 org life",
    "learning": "学习教育 learning",
    "performance": "业绩贡献 performance",
    "pioneer_role": "先锋作用 pioneer role",
}


class ReportError(ValueError):
    """The month cannot be reported (no scored members in the warehouse for it)."""


def default_month(settings) -> tuple[str, str | None]:
    """The month a report shows when none is asked for: the latest scored month whose KPI
    coverage meets the export threshold (the latest the HR export would accept), and the newer,
    still incomplete month it passed over (None when the latest month is complete or none is)."""
    from exports.hr import kpi_coverage, kpi_coverage_rows, min_kpi_coverage

    with connect(settings.home) as con:
        months = [m for (m,) in con.execute(LATEST_MONTHS).fetchall()]
        if not months:
            raise ReportError("the warehouse has no scored month yet")
        for month in months:
            coverage = kpi_coverage(kpi_coverage_rows(con, month)["kpi_missing"])
            if coverage >= min_kpi_coverage(settings, month_rules(con, month)):
                return month, (months[0] if month != months[0] else None)
    return months[0], None


LATEST_MONTHS = "select distinct month from marts.fct_member_index_monthly order by month desc"


def default_path(home: Path, month: str) -> Path:
    return Home(home).reports / f"pioneer_report_{month}.html"


def write_report(home: Path, month: str, out: Path | None = None, now: dt.datetime | None = None) -> Path:
    """Write the month's report; ``now`` is the generation time shown (default: the real time)."""
    from core.config import SHANGHAI

    generated = (now or dt.datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    out = out or default_path(home, month)
    with connect(home) as con:
        numbers = key_numbers(con, month)  # raises ReportError for a month without scores
        rules = rules_in_force(con, month)
        requirements = requirement_catalogue(con)
        page = render(
            month,
            numbers,
            charts(con, month, rules, requirements),
            alerts_section(con, home),
            lists=member_lists(con, month, rules),
            branches=branch_pages(con, month, rules, requirements),
            footnote=footnote(con, month, rules, generated),
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def rules_in_force(con: duckdb.DuckDBPyConnection, month: str) -> list[dict]:
    """The rule version the month was scored with (``marts.dim_rule_version``), its constants by
    name, as a list: the pages quote ``[-1]`` and list every one (docs/scoring.md: one a month)."""
    try:
        return [month_rules(con, month).model_dump()]
    except VocabularyError as exc:
        raise ReportError(str(exc)) from None


def grade_bands(rules: dict) -> list[tuple[str, float, float]]:
    """(grade, from, to) score bands of a rule version, lowest first; PIONEER also needs a rank
    within ``pioneer_share`` of the scored members, and a veto makes LAGGING whatever the score."""
    grades = list(reversed(load_vocabulary().grade_codes))  # each but the lowest has its cut-off
    edges = [
        float(rules["index_min"]),
        *(float(rules[f"grade_{grade.lower()}_min"]) for grade in grades[1:]),
        float(rules["index_max"]),
    ]
    return [(grade, edges[i], edges[i + 1]) for i, grade in enumerate(grades)]


def requirement_catalogue(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], list[str]]:
    """The 三会一课 requirements as the marts name them (the dbt cadence catalogue's
    ``requirement_name`` and ``period_kind`` in ``fct_branch_cadence_status``): code → name, in the
    catalogue's order, and the quarterly codes. Falls back to the vocabulary's catalogue (seed
    ``requirement``) for a warehouse built before that mart."""
    vocabulary = load_vocabulary()
    try:
        rows = con.execute(
            "select requirement, min(requirement_name), bool_or(period_kind = 'quarter') "
            "from marts.fct_branch_cadence_status group by requirement"
        ).fetchall()
    except duckdb.CatalogException:
        rows = []
    names = vocabulary.requirement_names
    if not rows:
        return dict(names), vocabulary.quarterly_requirements
    order = list(names)
    rows.sort(key=lambda r: (order.index(r[0]) if r[0] in order else len(order), r[0]))
    return {code: name or names.get(code, code) for code, name, _ in rows}, [
        code for code, _, quarterly in rows if quarterly
    ]


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


def frame(con: duckdb.DuckDBPyConnection, sql: str, month: str, **extra) -> pd.DataFrame:
    """Run one of the queries below with the parameters it names."""
    params = {"month": month, "month_start": date.fromisoformat(f"{month}-01"), **extra}
    return con.execute(sql, {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}).df()


def _g(value) -> str:
    """A rules constant as written (25, 0.7, 90)."""
    return f"{float(value):g}"


def charts(
    con: duckdb.DuckDBPyConnection,
    month: str,
    rules: list[dict] | None = None,
    requirements: tuple[dict[str, str], list[str]] | None = None,
) -> dict[str, tuple[str, tuple[str, str], alt.TopLevelMixin]]:
    """Chart id → (title, (Chinese note, English note), chart), in page order."""
    rule = (rules or rules_in_force(con, month))[-1]
    labels, quarterly = requirements or requirement_catalogue(con)
    member_w, compliance_w = _g(rule["branch_member_weight"]), _g(rule["branch_compliance_weight"])
    stars = [_g(rule[f"star_{n}_min"]) for n in (3, 2, 1)]
    share = f"{float(rule['pioneer_share']):.0%}"
    return {
        "branch-ranking": (
            "支部先锋指数排名 Branch index ranking",
            (
                f"支部指数 = {member_w} × 党员平均指数 + {compliance_w} × 三会一课合规率；"
                f"星级：★★★ ≥ {stars[0]}，★★ ≥ {stars[1]}，★ ≥ {stars[2]}。",
                f"Branch index = {member_w} × mean member index + {compliance_w} × 三会一课 compliance. "
                f"Stars: ★★★ ≥ {stars[0]}, ★★ ≥ {stars[1]}, ★ ≥ {stars[2]}.",
            ),
            branch_ranking(frame(con, BRANCH_RANKING_SQL, month), rule),
        ),
        "member-distribution": (
            "党员先锋指数分布 Distribution of member indexes",
            (
                f"每 5 分一档的党员人数，按等级着色；底色为各等级的分数区间（先锋还须全公司排名前 {share}）。",
                "Members per 5-point bin, coloured by grade; the shaded bands are the grades' score bands "
                f"(先锋 also needs a rank in the top {share} of scored members).",
            ),
            member_distribution(frame(con, MEMBER_INDEX_SQL, month), rule),
        ),
        "department-trend": (
            "部门指数走势 Department trend",
            (
                "部门指数 = 部门计分党员的平均指数，近 13 个月。",
                "Department index = mean index of the department's scored members, the last 13 months.",
            ),
            department_trend(frame(con, DEPARTMENT_TREND_SQL, month)),
        ),
        "department-deltas": (
            "环比 / 同比 Month-over-month and year-over-year",
            (
                "部门指数与上月（环比）及上年同月（同比）相比的变化；对比月份无指数时不画条。",
                "Change of the department index against the previous month (环比) and the same month a "
                "year earlier (同比); no bar when that month has no index.",
            ),
            department_deltas(frame(con, DEPARTMENT_DELTAS_SQL, month)),
        ),
        "compliance-heatmap": (
            "三会一课 合规预警 Compliance by branch and requirement",
            CADENCE_RULE,
            compliance_heatmap(frame(con, COMPLIANCE_SQL, month, quarterly=quarterly), labels),
        ),
        "recruitment-pipeline": (
            "党员发展 Recruitment pipeline",
            (
                "各发展阶段的月末人数（全部支部）；(+N) 为本月新进入该阶段的人数。",
                "Persons at each status at month end, all branches; (+N) entered the status this month.",
            ),
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


def appeals_note(df: pd.DataFrame) -> tuple[str, str]:
    row = df.iloc[0]
    days = "—" if pd.isna(row["median_days_open"]) else f"{float(row['median_days_open']):g}"
    filed, open_, accepted = int(row["filed"]), int(row["open"]), int(row["accepted"])
    return (
        f"{row['first_month']} 至本月各月的申诉（每件取最新版本）：共 {filed} 件，待处理 {open_} 件，"
        f"采纳 {accepted} 件；处理天数中位数 {days} 天（提交至决定，未决的算至今）。按维度与状态统计。",
        f"Appeals about the months {row['first_month']} .. this month (latest version of each): "
        f"filed {filed}, open {open_}, accepted {accepted}; "
        f"median days open {days} (filing to decision, or to the clock while open). By component and status.",
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


def branch_ranking(df: pd.DataFrame, rules: dict) -> alt.LayerChart:
    df = df.assign(
        stars_label=df["stars"].map(lambda n: "★" * n or "—"),
        index_label=lambda d: d["stars_label"] + " " + d["index_score"].map("{:.2f}".format),
    )
    base = alt.Chart(df).encode(
        y=alt.Y("branch_name:N", sort=alt.EncodingSortField("index_score", order="descending"), title=None),
        x=alt.X(
            "index_score:Q",
            scale=alt.Scale(domain=[float(rules["index_min"]), float(rules["index_max"])]),
            title="branch index 支部指数",
        ),
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


def member_distribution(df: pd.DataFrame, rules: dict) -> alt.LayerChart:
    """Members per 5-point bin over the rule version's index range, on its grades' score bands."""
    df = df.assign(grade_label=df["grade"].map(GRADES))
    bands = pd.DataFrame(
        [{"band": GRADES[grade], "band_start": lo, "band_end": hi} for grade, lo, hi in grade_bands(rules)]
    )
    extent = [float(rules["index_min"]), float(rules["index_max"])]
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
            x=alt.X("index_score:Q", bin=alt.Bin(extent=extent, step=5), title="member index 党员指数"),
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


def compliance_heatmap(df: pd.DataFrame, labels: dict[str, str]) -> alt.LayerChart:
    df = df.assign(
        requirement_label=df["requirement"].map(labels).fillna(df["requirement"]),
        cadence_label=df["cadence"].map(CADENCE),
        met_label=(df["due"] - df["missed"]).astype(str) + "/" + df["due"].astype(str),
    )
    base = alt.Chart(df).encode(
        x=alt.X(
            "requirement_label:N",
            sort=list(labels.values()),
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


def _note(zh: str, en: str = "") -> str:
    """An explanation: the Chinese sentence, the English one beside it."""
    english = f' <span class="en" lang="en">/ {html.escape(en)}</span>' if en else ""
    return f'<p class="note">{html.escape(zh)}{english}</p>'


def _table(
    headers: list[str], rows: list[list], numeric: set[int] = frozenset(), keys: list | None = None
) -> str:
    """A table; ``numeric`` columns are right-aligned, ``keys`` become the rows' ``data-key``."""

    def cell(tag: str, i: int, value) -> str:
        css = ' class="num"' if i in numeric else ""
        return f"<{tag}{css}>{html.escape(str(value))}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join(
        (f'<tr data-key="{html.escape(str(keys[n]))}">' if keys else "<tr>")
        + "".join(cell("td", i, v) for i, v in enumerate(row))
        + "</tr>"
        for n, row in enumerate(rows)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _score(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):.2f}"


def _delta(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):+.2f}"


MEMBER_LIST_SQL = """
select f.employee_no, coalesce(m.name, '') as name, f.branch_id, coalesce(b.branch_name, f.branch_id) as branch_name,
       f.index_score::double as index_score, f.rank_overall, f.mom_delta::double as mom_delta,
       f.vetoed, f.kpi_missing
from marts.fct_member_index_monthly f
left join marts.dim_member m on m.member_id = f.member_id
left join marts.dim_branch b on b.branch_id = f.branch_id
where f.month = $month and f.grade = $grade
order by f.index_score desc, f.employee_no
"""

LIST_HEADERS = ["工号 employee no", "姓名 name", "支部 branch", "指数 index", "全公司排名 rank", "环比 MoM"]


def member_lists(con: duckdb.DuckDBPyConnection, month: str, rules: list[dict]) -> str:
    """先锋名单 and 后进名单: the month's PIONEER and LAGGING members, by score (highest first)."""
    rule = rules[-1]
    bands = {grade: (lo, hi) for grade, lo, hi in grade_bands(rule)}
    share = f"{float(rule['pioneer_share']):.0%}"
    notes = {
        "PIONEER": (
            f"指数 ≥ {bands['PIONEER'][0]:g} 且全公司排名在计分党员的前 {share} 以内（并列同名次）。"
            "按指数从高到低排列；环比为与上月指数之差。",
            f"Index ≥ {bands['PIONEER'][0]:g} and a company rank within the top {share} of scored members "
            "(ties share a rank). By index, highest first; MoM is the change against last month's index.",
        ),
        "LAGGING": (
            f"指数 < {bands['WARNING'][0]:g}，或被一票否决（清零）。按指数从高到低排列；"
            "备注列出清零与 KPI 缺失（业绩贡献按 0 计，补报后可能改变）。",
            f"Index < {bands['WARNING'][0]:g}, or a veto. By index, highest first; the remarks name vetoes "
            "and missing KPIs (performance scored 0 until the KPI arrives).",
        ),
    }
    sections = []
    for grade, section_id, title in (
        ("PIONEER", "pioneers", "先锋名单 PIONEER members"),
        ("LAGGING", "laggards", "后进名单 LAGGING members"),
    ):
        df = frame(con, MEMBER_LIST_SQL, month, grade=grade)
        remarks = [
            "；".join(
                text for flag, text in ((r.vetoed, "清零 veto"), (r.kpi_missing, "KPI 缺失 missing")) if flag
            )
            for r in df.itertuples()
        ]
        headers = LIST_HEADERS + (["备注 remarks"] if grade == "LAGGING" else [])
        rows = [
            [
                r.employee_no,
                r.name,
                r.branch_name,
                _score(r.index_score),
                int(r.rank_overall),
                _delta(r.mom_delta),
            ]
            + ([remarks[i]] if grade == "LAGGING" else [])
            for i, r in enumerate(df.itertuples())
        ]
        table = (
            _table(headers, rows, numeric={3, 4, 5}, keys=list(df["employee_no"]))
            if rows
            else '<p class="note">本月无 none this month.</p>'
        )
        sections.append(
            f'<section class="member-list" id="{section_id}" data-grade="{grade}">'
            f'<h2>{title} <span class="count">{len(rows)} 人</span></h2>'
            f"{_note(*notes[grade])}{table}</section>"
        )
    return "".join(sections)


BRANCHES_SQL = """
select i.branch_id, coalesce(b.branch_name, i.branch_id) as branch_name,
       coalesce(b.department_name, '') as department_name, i.index_score::double as index_score, i.stars,
       i.rank_overall, i.scored_members, i.member_component::double as member_component,
       i.compliance_due::int as compliance_due, i.compliance_met::int as compliance_met,
       i.compliance::double as compliance, i.mom_delta::double as mom_delta, i.yoy_delta::double as yoy_delta
from marts.fct_branch_index_monthly i left join marts.dim_branch b using (branch_id)
where i.month = $month
order by i.branch_id
"""

BRANCH_MEMBERS_SQL = """
select f.branch_id, f.employee_no, coalesce(m.name, '') as name,
       f.org_life::double as org_life, f.learning::double as learning, f.performance::double as performance,
       f.pioneer_role::double as pioneer_role, f.bonus::double as bonus, f.deductions::double as deductions,
       f.appeal_adjustment::double as appeal_adjustment, f.index_score::double as index_score, f.grade,
       f.rank_in_branch, f.mom_delta::double as mom_delta, f.vetoed, f.kpi_missing
from marts.fct_member_index_monthly f left join marts.dim_member m on m.member_id = f.member_id
where f.month = $month
order by f.branch_id, f.rank_in_branch, f.employee_no
"""

BRANCH_TREND_SQL = """
select branch_id, month, index_score::double as index_score, stars, rank_overall, scored_members,
       compliance::double as compliance
from marts.fct_branch_index_monthly
where month_start between $month_start - interval 12 month and $month_start
order by branch_id, month
"""

BRANCH_COMPLIANCE_SQL = """
select branch_id, requirement, coalesce(party_group, '') as party_group, is_met, coalesce(meeting_ids, '') as meeting_ids
from marts.fct_branch_compliance_monthly
where month = $month and is_due
order by branch_id, requirement, party_group
"""


def branch_pages(
    con: duckdb.DuckDBPyConnection,
    month: str,
    rules: list[dict],
    requirements: tuple[dict[str, str], list[str]],
) -> list[tuple[str, str, str]]:
    """One section per branch with an index in the month (``section.branch``, a printed page each):
    (element id, branch name, HTML)."""
    rule = rules[-1]
    labels, _ = requirements
    branches = frame(con, BRANCHES_SQL, month)
    members = frame(con, BRANCH_MEMBERS_SQL, month)
    trend = frame(con, BRANCH_TREND_SQL, month)
    compliance = frame(con, BRANCH_COMPLIANCE_SQL, month)
    member_w, compliance_w = _g(rule["branch_member_weight"]), _g(rule["branch_compliance_weight"])
    member_headers = (
        ["支部排名 rank", "工号 employee no", "姓名 name"]
        + [f"{label}（≤{_g(rule[f'{key}_max'])}）" for key, label in DIMENSIONS.items()]
        + [
            "加分 bonus",
            "扣分 deductions",
            "申诉 appeal",
            "指数 index",
            "等级 grade",
            "环比 MoM",
            "备注 remarks",
        ]
    )
    pages = []
    for b in branches.itertuples():
        element_id = f"branch-{b.branch_id}"
        own = members[members["branch_id"] == b.branch_id]
        rows = [
            [int(m.rank_in_branch), m.employee_no, m.name]
            + [_score(getattr(m, key)) for key in DIMENSIONS]
            + [
                _score(m.bonus),
                _score(m.deductions),
                _score(m.appeal_adjustment),
                _score(m.index_score),
                GRADES.get(m.grade, m.grade).split()[0],
                _delta(m.mom_delta),
                "；".join(t for f, t in ((m.vetoed, "清零"), (m.kpi_missing, "KPI 缺失")) if f),
            ]
            for m in own.itertuples()
        ]
        member_table = _table(
            member_headers, rows, numeric={0, *range(3, 11), 12}, keys=list(own["employee_no"])
        )
        history = trend[trend["branch_id"] == b.branch_id]
        trend_table = _table(
            [
                "月份 month",
                "支部指数 index",
                "星级 stars",
                "排名 rank",
                "计分党员 members",
                "合规率 compliance",
            ],
            [
                [
                    t.month,
                    _score(t.index_score),
                    "★" * int(t.stars) or "—",
                    int(t.rank_overall),
                    int(t.scored_members),
                    f"{float(t.compliance):.1f}%",
                ]
                for t in history.itertuples()
            ],
            numeric={1, 3, 4, 5},
            keys=list(history["month"]),
        )
        due = compliance[compliance["branch_id"] == b.branch_id]
        compliance_table = (
            _table(
                ["要求 requirement", "党小组 group", "完成 met", "会议 meetings"],
                [
                    [
                        labels.get(c.requirement, c.requirement),
                        c.party_group,
                        "✓ 已完成" if c.is_met else "✗ 未完成",
                        c.meeting_ids.replace(",", "、") or "—",
                    ]
                    for c in due.itertuples()
                ],
                keys=list(due["requirement"]),
            )
            if len(due)
            else '<p class="note">本月无应开的三会一课 nothing due this month.</p>'
        )
        summary = [
            ("支部指数 branch index", _score(b.index_score)),
            ("星级 stars", "★" * int(b.stars) or "—"),
            ("全公司排名 rank", f"{int(b.rank_overall)} / {len(branches)}"),
            ("环比 MoM", _delta(b.mom_delta)),
            ("同比 YoY", _delta(b.yoy_delta)),
            ("计分党员 members", str(int(b.scored_members))),
            ("三会一课 compliance", f"{b.compliance_met}/{b.compliance_due} = {float(b.compliance):.1f}%"),
        ]
        summary_html = "".join(
            f'<div class="figure"><span class="value">{html.escape(v)}</span>'
            f'<span class="label">{html.escape(k)}</span></div>'
            for k, v in summary
        )
        pages.append(
            (
                element_id,
                b.branch_name,
                f'<section class="branch" id="{element_id}" data-branch-id="{html.escape(b.branch_id)}">'
                f"<h2>{html.escape(b.branch_name)} <small>{html.escape(b.department_name)}</small></h2>"
                f'<div class="figures">{summary_html}</div>'
                + _note(
                    f"支部指数 = {member_w} × 党员平均指数（{float(b.member_component):.2f}）"
                    f"+ {compliance_w} × 三会一课合规率（{float(b.compliance):.1f}）。",
                    f"Branch index = {member_w} × mean member index + {compliance_w} × compliance.",
                )
                + "<h3>党员得分 Members' scores</h3>"
                + _note(
                    "四个基本维度（括号内为满分）、加分、扣分、申诉更正、指数与等级；按支部排名排列。",
                    "The four base dimensions (maximum in brackets), bonus, deductions, appeal adjustment, "
                    "index and grade, by rank in the branch.",
                )
                + f'<div class="members">{member_table}</div>'
                + "<h3>支部指数走势 Branch index trend</h3>"
                + _note("近 13 个月中有指数的月份。", "The months of the last 13 with a branch index.")
                + f'<div class="trend">{sparkline(list(zip(history["month"], history["index_score"], strict=True)))}'
                f"{trend_table}</div>"
                + "<h3>三会一课 本月合规 Compliance this month</h3>"
                + _note(
                    f"本月应开 {b.compliance_due} 项（党小组会按党小组计），已完成 {b.compliance_met} 项。",
                    f"{b.compliance_due} requirements due this month (党小组会: one per party group), "
                    f"{b.compliance_met} met.",
                )
                + compliance_table
                + "</section>",
            )
        )
    return pages


def sparkline(points: list[tuple[str, float]], width: int = 280, height: int = 96) -> str:
    """A small inline SVG line of (month, index) points: drawn without JavaScript, prints as is."""
    if not points:
        return ""
    values = [float(v) for _, v in points]
    low, high = min(values), max(values)
    pad = max((high - low) * 0.15, 1.0)
    low, high = low - pad, high + pad
    left, right, top, bottom = 10, 40, 12, 20

    def x(i: int) -> float:
        return left + (width - left - right) * (i / (len(points) - 1) if len(points) > 1 else 0.5)

    def y(v: float) -> float:
        return top + (height - top - bottom) * (high - v) / (high - low)

    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    dots = "".join(
        f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5"><title>{m}: {v:.2f}</title></circle>'
        for i, ((m, _), v) in enumerate(zip(points, values, strict=True))
    )
    first, last = points[0][0], points[-1][0]
    return (
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="支部指数走势 {first}–{last}">'
        f'<polyline points="{line}" fill="none" stroke="#c0392b" stroke-width="2"/>'
        f'<g fill="#c0392b">{dots}</g>'
        f'<text x="{x(len(values) - 1) + 5:.1f}" y="{y(values[-1]) + 4:.1f}" font-size="11">{values[-1]:.2f}</text>'
        f'<text x="{left}" y="{height - 4}" font-size="10" fill="#666">{first}</text>'
        f'<text x="{x(len(values) - 1):.1f}" y="{height - 4}" font-size="10" fill="#666" '
        f'text-anchor="end">{last}</text></svg>'
    )


def band_text(rules: dict) -> str:
    """The grade rule of a version in words: 先锋 ≥ 90（且排名前 10%）；合格 ≥ 70；警示 ≥ 60；后进 < 60 或清零."""
    bands = {grade: lo for grade, lo, _ in grade_bands(rules)}
    return (
        f"先锋 ≥ {bands['PIONEER']:g}（且排名前 {float(rules['pioneer_share']):.0%}）；"
        f"合格 ≥ {bands['QUALIFIED']:g}；警示 ≥ {bands['WARNING']:g}；后进 < {bands['WARNING']:g} 或清零"
    )


KPI_GAPS_SQL = """
select f.employee_no, coalesce(m.name, '') as name, coalesce(b.branch_name, f.branch_id) as branch_name,
       f.in_pay_scope
from marts.fct_member_index_monthly f
left join marts.dim_member m on m.member_id = f.member_id
left join marts.dim_branch b on b.branch_id = f.branch_id
where f.month = $month and f.kpi_missing
order by f.employee_no
"""


def footnote(con: duckdb.DuckDBPyConnection, month: str, rules: list[dict], generated: dt.datetime) -> str:
    """页脚说明: the rule version(s) in force for the month, its KPI gaps, the generation time."""
    from core.config import Settings
    from exports.hr import kpi_coverage, kpi_coverage_rows, min_kpi_coverage

    versions = _table(
        [
            "规则版本 version",
            "生效月份 effective from",
            "等级分档 grade bands",
            "支部指数 branch index",
            "星级 stars",
            "学习计分 learning basis",
            "绩效挂钩范围 HR scope",
        ],
        [
            [
                r["rule_version"],
                str(r["effective_from"])[:7],
                band_text(r),
                f"{_g(r['branch_member_weight'])} × 党员 + {_g(r['branch_compliance_weight'])} × 合规",
                " / ".join(_g(r[f"star_{n}_min"]) for n in (3, 2, 1)),
                r["learning_basis"],
                r["hr_scope"],
            ]
            for r in rules
        ],
        keys=[r["rule_version"] for r in rules],
    )
    gaps = frame(con, KPI_GAPS_SQL, month)
    scope = kpi_coverage_rows(con, month)
    coverage = kpi_coverage(scope["kpi_missing"])
    required = min_kpi_coverage(Settings(), month_rules(con, month))  # the export gate's figure
    gaps_table = (
        _table(
            ["工号 employee no", "姓名 name", "支部 branch", "绩效挂钩 in HR scope"],
            [
                [g.employee_no, g.name, g.branch_name, "是 yes" if g.in_pay_scope else "否 no"]
                for g in gaps.itertuples()
            ],
            keys=list(gaps["employee_no"]),
        )
        if len(gaps)
        else '<p class="note">无 none：本月每位计分党员都有 KPI。</p>'
    )
    stamp = generated.strftime("%Y-%m-%d %H:%M:%S")
    version_names = "、".join(r["rule_version"] for r in rules)
    return (
        '<footer class="footnote" id="footnote"><h2>页脚说明 Notes</h2>'
        f'<h3>规则版本 Rules in force: <span data-key="rule_versions">{html.escape(version_names)}</span></h3>'
        + _note(
            f"{month} 按以上规则版本计分（数仓 marts.dim_rule_version，即本次运行所用的规则文件）。"
            "本报告引用的分档、权重和星级均取自该版本。",
            f"{month} is scored under the version(s) above (the warehouse's marts.dim_rule_version, the rules file "
            "of the run); every band, weight and star threshold quoted here is that version's.",
        )
        + versions
        + f'<h3>数据缺口 Data gaps: KPI 缺失 <span data-key="kpi_missing">{len(gaps)}</span> 人</h3>'
        + _note(
            "以下计分党员本月没有 KPI，业绩贡献按 0 计；KPI 补报后指数和等级可能改变（HR 会收到新版本）。"
            f"绩效挂钩范围内 KPI 覆盖率 {coverage:.1%}（{len(scope) - int(scope['kpi_missing'].sum())}/{len(scope)}），"
            f"导出要求 ≥ {required:.0%}。",
            "These scored members have no KPI for the month: performance counts 0 and their index and grade "
            f"may change when it arrives. KPI coverage in the HR scope {coverage:.1%}, the export needs "
            f"{required:.0%}.",
        )
        + gaps_table
        + f'<h3>生成时间 Generated: <time data-key="generated" datetime="{generated.isoformat()}">{stamp}</time>'
        " (Asia/Shanghai)</h3>"
        + _note(
            "数据取自已发布的数仓 warehouse.duckdb 的 marts 模式（只读）；生成时间为北京时间。",
            "Read from the published warehouse (schema marts, read-only); time in Asia/Shanghai.",
        )
        + "</footer>"
    )


def alerts_section(con: duckdb.DuckDBPyConnection, home: Path) -> str:
    """预警, as of the warehouse's clock: the branches with a 三会一课 requirement at risk in the
    open month or quarter (``fct_branch_cadence_status``), counted and listed, and the KPI
    completeness of the month being exported, by department (the alert file's two lists, from
    the same functions: ``exports.alerts``)."""
    from core.config import SHANGHAI, Settings
    from exports.alerts import completeness_alerts

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
        as_of, alert_days = con.execute(
            "select max(as_of_date), max(alert_days) from marts.fct_branch_cadence_status"
        ).fetchone()
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
            numeric={4},
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
        else _note(
            "无：各部门 KPI 覆盖率均达到导出要求，或没有待导出的月份。",
            "None: every department at or above the coverage its export needs, or no export pending.",
        )
    )
    days = "alert_days" if alert_days is None else f"{int(alert_days)}"
    return (
        f'<section class="alerts" id="alerts"><h2>预警 Alerts（截至 as of {as_of}）</h2>'
        f'<h3>三会一课 at risk: <span class="count" data-key="branches_at_risk">{len(branches)}</span> '
        f"个支部 branches</h3>"
        + _note(
            f"本月或本季度尚未完成、剩余不超过 {days} 天（含当天）的三会一课要求。",
            f"Requirements of the open month or quarter not met yet with at most {days} days left "
            "(alert_days; the clock's day counted).",
        )
        + f"{cadence}<h3>KPI 数据完整性 completeness</h3>"
        + _note(
            "自 M+1 月 1 日起至导出日：KPI 覆盖率低于 min_kpi_coverage（导出门槛）的部门。",
            "From day 1 of M+1 until its export day: departments whose KPI coverage of M is "
            "below min_kpi_coverage (the export gate's figure).",
        )
        + f"{kpi}</section>"
    )


def render(
    month: str,
    numbers: dict[str, float],
    charts: dict[str, tuple[str, tuple[str, str] | str, alt.TopLevelMixin]],
    alerts: str = "",
    lists: str = "",
    branches: list[tuple[str, str, str]] = (),
    footnote: str = "",
) -> str:
    numbers_html = "".join(
        f'<div class="number" data-key="{key}"><span class="value">{numbers[key]:,.{digits}f}</span>'
        f'<span class="label">{html.escape(label)}</span></div>'
        for key, (label, digits) in NUMBER_LABELS.items()
    )
    sections = "".join(
        f'<section class="chart-section"><h2>{html.escape(title)}</h2>'
        f"{_note(*note) if isinstance(note, tuple) else _note(note)}"
        f'<div class="chart" id="{chart_id}"></div></section>'
        for chart_id, (title, note, _) in charts.items()
    )
    specs = {chart_id: chart.to_dict() for chart_id, (_, _, chart) in charts.items()}
    specs_json = json.dumps(specs, ensure_ascii=False).replace("</", "<\\/")
    return PAGE.format(
        month=month,
        toc=table_of_contents(
            charts, branches, alerts=bool(alerts), lists=bool(lists), footnote=bool(footnote)
        ),
        numbers=numbers_html,
        alerts=alerts,
        lists=lists,
        sections=sections,
        branches="".join(page for _, _, page in branches),
        footnote=footnote,
        embed=EMBED.format(specs=specs_json),
        bundle=javascript_bundle(),
        style=STYLE,
    )


def table_of_contents(charts: dict, branches, alerts: bool, lists: bool, footnote: bool) -> str:
    """目录: links to the sections, the charts and every branch page (screen only)."""

    def link(target: str, text: str) -> str:
        return f'<li><a href="#{html.escape(target)}">{html.escape(text)}</a></li>'

    items = [link("alerts", "预警 Alerts")] if alerts else []
    if lists:
        items += [link("pioneers", "先锋名单 PIONEER members"), link("laggards", "后进名单 LAGGING members")]
    items.append(
        "<li>图表 Charts<ol>"
        + "".join(link(chart_id, title) for chart_id, (title, _, _) in charts.items())
        + "</ol></li>"
    )
    if branches:
        items.append(
            "<li>支部页 Branch pages<ol>"
            + "".join(link(element_id, name) for element_id, name, _ in branches)
            + "</ol></li>"
        )
    if footnote:
        items.append(link("footnote", "页脚说明 Notes"))
    return f'<nav class="toc" id="toc"><h2>目录 Contents</h2><ol>{"".join(items)}</ol></nav>'


def javascript_bundle() -> str:
    """Vega, Vega-Lite (altair's version) and vega-embed in one script: pages open offline."""
    import vl_convert

    return vl_convert.javascript_bundle(vl_version="_".join(alt.SCHEMA_VERSION.split(".")[:2]))


STYLE = """
body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2em auto;
       max-width: 960px; color: #222; }
h1 { color: #c0392b; margin-bottom: 0.2em; }
h2 small { color: #666; font-weight: normal; font-size: 0.7em; }
.numbers { display: flex; gap: 1em; margin: 1em 0 2em; }
.number { flex: 1; border: 1px solid #ddd; border-top: 4px solid #c0392b; padding: 0.6em 1em; }
.number .value { display: block; font-size: 1.8em; font-weight: bold; }
.number .label { color: #666; font-size: 0.9em; }
section { margin-bottom: 2.5em; }
.note { color: #555; font-size: 0.9em; max-width: 800px; }
.note .en { color: #888; }
.alerts { border-left: 4px solid #f39c12; padding-left: 1em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; }
th { background: #f6f6f6; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
nav.toc { border: 1px solid #ddd; background: #fafafa; padding: 0.4em 1.2em; margin: 1em 0 2em; font-size: 0.9em; }
nav.toc h2 { font-size: 1.1em; margin: 0.4em 0; }
nav.toc ol ol { columns: 2; }
.member-list h2 .count { color: #666; font-size: 0.7em; font-weight: normal; }
#pioneers { border-left: 4px solid #c0392b; padding-left: 1em; }
#laggards { border-left: 4px solid #7f8c8d; padding-left: 1em; }
section.branch { break-before: page; page-break-before: always; border-top: 3px solid #c0392b; padding-top: 0.5em; }
section.branch .members table { width: 100%; font-size: 0.8em; }
section.branch .members td { white-space: nowrap; }
.figures { display: flex; flex-wrap: wrap; gap: 0.6em; margin: 0.6em 0; }
.figure { border: 1px solid #ddd; border-top: 3px solid #c0392b; padding: 0.3em 0.7em; min-width: 7em; }
.figure .value { display: block; font-size: 1.2em; font-weight: bold; }
.figure .label { color: #666; font-size: 0.8em; }
.trend { display: flex; gap: 1.5em; align-items: flex-start; flex-wrap: wrap; }
svg.sparkline { flex: none; }
footer.footnote { border-top: 2px solid #999; margin-top: 3em; padding-top: 0.5em; font-size: 0.9em; }
footer.footnote h2 { font-size: 1.2em; }
footer.footnote h3 { font-size: 1em; }

@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  html, body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { margin: 0; max-width: none; font-size: 10pt; }
  nav.toc, .screen-only { display: none !important; }
  a { color: inherit; text-decoration: none; }
  section { margin-bottom: 1.2em; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  .note { break-after: avoid; page-break-after: avoid; }
  table { width: 100%; }
  thead { display: table-header-group; }
  tr, .number, .figure, .trend, svg.sparkline { break-inside: avoid; page-break-inside: avoid; }
  .chart-section { break-inside: avoid; page-break-inside: avoid; }
  .chart, .chart > div { max-width: 100%; }
  .chart svg, .chart canvas { max-width: 100%; height: auto; }
  .numbers { margin: 0.5em 0 1em; }
  section.branch { break-before: page; page-break-before: always; border-top: none; }
  section.branch .members table { font-size: 8pt; }
  section.branch .members th, section.branch .members td { padding: 0.1em 0.25em; }
  section.branch .members td:last-child { white-space: normal; }
  th, td { padding: 0.15em 0.4em; }
  footer.footnote { break-before: page; page-break-before: always; border-top: none; }
}
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
<p class="note">数据取自已发布的数仓（marts 模式，只读），月份 {month}。 <span class="en" lang="en">/ Read from the published warehouse (schema marts) for month {month}.</span></p>
{toc}
{alerts}
<div class="numbers">{numbers}</div>
{lists}
{sections}
{branches}
{footnote}
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
