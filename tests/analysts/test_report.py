"""`pioneer report`: one self-contained HTML file whose numbers are the marts'."""

import datetime as dt
import html
import json
import re

import duckdb
import pandas as pd
from conftest import MONTH, pioneer

from pioneer.analysts import report


def specs(page: str) -> dict:
    return json.loads(re.search(r"const specs = (.*);\n", page).group(1).replace("<\\/", "</"))


def chart_rows(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_default_output_is_one_self_contained_file(demo_home):
    made = pioneer("report", "--home", str(demo_home), "--month", MONTH)
    assert made.returncode == 0, made.stderr
    out = demo_home / "reports" / f"pioneer_report_{MONTH}.html"
    assert made.stdout.strip() == f"report: {out}"
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched from the network
    assert "window.vegaEmbed=" in page and "<link" not in page
    assert list(specs(page)) == [
        "branch-ranking",
        "member-distribution",
        "department-trend",
        "department-deltas",
        "compliance-heatmap",
        "recruitment-pipeline",
        "appeals",
    ]
    for label in ("先锋 PIONEER", "警示 WARNING", "支委会", "党小组会", "入党积极分子", "严重落后"):
        assert label in page


def test_numbers_are_the_marts(report_file, demo_home):
    page = report_file.read_text(encoding="utf-8")
    shown = dict(re.findall(r'data-key="(\w+)"><span class="value">([^<]+)<', page))
    charts = specs(page)
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        scored, mean, pioneers = con.execute(
            "select count(*), round(avg(index_score), 2), count(*) filter (where grade = 'PIONEER') "
            "from marts.fct_member_index_monthly where month = ?",
            [MONTH],
        ).fetchone()
        branches = dict(
            con.execute(
                "select branch_id, index_score::double from marts.fct_branch_index_monthly where month = ?",
                [MONTH],
            ).fetchall()
        )
        pipeline = dict(
            con.execute(
                "select status, sum(persons_at_month_end)::int from marts.fct_recruitment_pipeline_monthly "
                "where month = ? and status <> 'inactive' group by status",
                [MONTH],
            ).fetchall()
        )
    assert shown == {
        "scored_members": f"{scored:,}",
        "mean_index": f"{mean:.2f}",
        "pioneers": str(pioneers),
        "branches": str(len(branches)),
    }
    ranking = {row["branch_id"]: row["index_score"] for row in chart_rows(charts["branch-ranking"])}
    assert ranking == branches
    recruitment = chart_rows(charts["recruitment-pipeline"])
    assert {row["status"]: row["persons_at_month_end"] for row in recruitment} == pipeline
    assert len(chart_rows(charts["member-distribution"])) >= scored  # one row per member + the grade bands


def test_cadence_warnings_follow_the_stated_rule(report_file, demo_home):
    cells = chart_rows(specs(report_file.read_text(encoding="utf-8"))["compliance-heatmap"])
    assert cells, "the heatmap has cells"
    for cell in cells:
        quarterly = cell["requirement"] in ("branch_general", "lecture")
        expected = (
            "red"
            if cell["missed"] >= 2 or (quarterly and cell["missed"] == 1)
            else "amber"
            if cell["missed"] == 1
            else "green"
        )
        assert cell["cadence"] == expected, cell
        assert cell["met_label"] == f"{cell['due'] - cell['missed']}/{cell['due']}"
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        missed = con.execute(
            "select count(*) from marts.fct_branch_compliance_monthly where is_due and not is_met "
            "and month between '2026-08' and ?",
            [MONTH],
        ).fetchone()[0]
    assert sum(cell["missed"] for cell in cells) == missed


def test_appeals_section_is_the_appeals_mart(report_file, demo_home):
    """Filed, open, accepted and median days open of the appeals about the 12 months ending with the
    report's month, and the chart's counts by component and status, as the mart holds them."""
    page = report_file.read_text(encoding="utf-8")
    window = "from marts.fct_member_appeals where month between '2025-11' and ?"
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        filed, open_, accepted, median = con.execute(
            "select count(*), count(*) filter (where status = 'submitted'), "
            f"count(*) filter (where status = 'accepted'), median(days_open) {window}",
            [MONTH],
        ).fetchone()
        counts = {
            (c, s): n
            for c, s, n in con.execute(
                f"select component, status, count(*) {window} group by all", [MONTH]
            ).fetchall()
        }
    assert filed > accepted > 0  # the demo's trickle: most rejected, some accepted
    assert f"filed {filed}, open {open_}, accepted {accepted}; median days open {float(median):g}" in page
    chart = chart_rows(specs(page)["appeals"])
    assert {(row["component"], row["status"]): row["appeals"] for row in chart} == counts


def test_a_month_without_scores_is_a_usage_error(demo_home):
    made = pioneer("report", "--home", str(demo_home), "--month", "2019-01")
    assert made.returncode == 2
    assert "no scored members in 2019-01" in made.stderr


def block(page: str, element_id: str) -> str:
    """The HTML of the element (section, footer, nav) with this id."""
    found = re.search(
        rf'<(section|footer|nav)\b[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', page, re.S
    )
    assert found, f"no element #{element_id}"
    return found.group(2)


def rows(fragment: str) -> list[tuple[str, list[str]]]:
    """(data-key, cell texts) of every keyed table row in the fragment."""
    return [
        (
            html.unescape(key),
            [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)],
        )
        for key, tr in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', fragment, re.S)
    ]


def warehouse(demo_home) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True)


def delta(value) -> str:
    return "—" if value is None else f"{float(value):+.2f}"


def test_explanations_are_in_chinese(report_file):
    """Every explanatory sentence is Chinese first (the English may follow); the office's sections exist."""
    page = report_file.read_text(encoding="utf-8")
    notes = re.findall(r'<p class="note">(.*?)</p>', page, re.S)
    assert len(notes) > 20
    for note in notes:
        chinese = re.sub(r'<span class="en".*', "", note, flags=re.S)
        assert re.search(r"[\u4e00-\u9fff]", chinese), note
    for heading in (
        "目录",
        "先锋名单",
        "后进名单",
        "支部页",
        "党员得分",
        "支部指数走势",
        "三会一课 本月合规",
        "页脚说明",
    ):
        assert heading in page, heading


def test_pioneer_and_lagging_lists_are_the_marts(report_file, demo_home):
    """先锋名单 and 后进名单: the month's PIONEER and LAGGING members with employee number, name, branch,
    score, rank and 环比, highest score first, as a direct query of the marts gives them."""
    page = report_file.read_text(encoding="utf-8")
    with warehouse(demo_home) as con:
        for grade, element_id in (("PIONEER", "pioneers"), ("LAGGING", "laggards")):
            expected = [
                (no, [no, name, branch, f"{float(score):.2f}", str(rank), delta(mom)])
                for no, name, branch, score, rank, mom in con.execute(
                    "select f.employee_no, m.name, b.branch_name, f.index_score, f.rank_overall, f.mom_delta "
                    "from marts.fct_member_index_monthly f join marts.dim_member m using (member_id) "
                    "join marts.dim_branch b on b.branch_id = f.branch_id "
                    "where f.month = ? and f.grade = ? order by f.index_score desc, f.employee_no",
                    [MONTH, grade],
                ).fetchall()
            ]
            assert expected, f"the demo month has {grade} members"
            shown = rows(block(page, element_id))
            assert [(key, cells[:6]) for key, cells in shown] == expected
            scores = [float(cells[3]) for _, cells in shown]
            assert scores == sorted(scores, reverse=True)
            assert f"{len(expected)} 人" in block(page, element_id)
        vetoed, missing = con.execute(
            "select list(employee_no) filter (where vetoed), list(employee_no) filter (where kpi_missing) "
            "from marts.fct_member_index_monthly where month = ? and grade = 'LAGGING'",
            [MONTH],
        ).fetchone()
    remarks = {key: cells[6] for key, cells in rows(block(page, "laggards"))}
    assert {k for k, r in remarks.items() if "清零" in r} == set(vetoed or [])
    assert {k for k, r in remarks.items() if "KPI" in r} == set(missing or [])


def test_a_page_per_branch_with_its_members_trend_and_compliance(report_file, demo_home):
    page = report_file.read_text(encoding="utf-8")
    with warehouse(demo_home) as con:
        branches = con.execute(
            "select branch_id, index_score, compliance_due::int, compliance_met::int "
            "from marts.fct_branch_index_monthly where month = ? order by branch_id",
            [MONTH],
        ).fetchall()
        members = con.execute(
            "select branch_id, employee_no, org_life, learning, performance, pioneer_role, index_score, grade "
            "from marts.fct_member_index_monthly where month = ?",
            [MONTH],
        ).df()
        trend = con.execute(
            "select branch_id, month, index_score from marts.fct_branch_index_monthly "
            "where month between '2025-10' and ? order by branch_id, month",
            [MONTH],
        ).df()
    ids = re.findall(r'<section class="branch" id="([^"]+)"', page)
    assert ids == [f"branch-{branch_id}" for branch_id, *_ in branches]
    toc = block(page, "toc")
    for element_id in ids:
        assert f'href="#{element_id}"' in toc
    assert len(branches) > 1
    for branch_id, index_score, due, met in branches:
        section = block(page, f"branch-{branch_id}")
        assert f'<span class="value">{float(index_score):.2f}</span>' in section
        members_html, rest = section.split("支部指数走势", 1)
        trend_html, compliance_html = rest.split("三会一课 本月合规", 1)
        shown = {key: cells for key, cells in rows(members_html)}
        own = members[members["branch_id"] == branch_id]
        assert set(shown) == set(own["employee_no"]) and len(own) > 0
        for m in own.itertuples():
            cells = shown[m.employee_no]
            assert cells[3:7] == [f"{float(getattr(m, d)):.2f}" for d in report.DIMENSIONS]
            assert cells[10] == f"{float(m.index_score):.2f}"
            assert cells[11] == report.GRADES[m.grade].split()[0]
        history = trend[trend["branch_id"] == branch_id]
        assert [(k, c[1]) for k, c in rows(trend_html)] == [
            (t.month, f"{float(t.index_score):.2f}") for t in history.itertuples()
        ]
        assert len(history) > 1 and 'class="sparkline"' in trend_html
        requirements = rows(compliance_html)
        assert len(requirements) == due
        assert sum(cells[2].startswith("✓") for _, cells in requirements) == met


def test_footnote_names_the_rules_the_kpi_gaps_and_the_generation_time(report_file, demo_home):
    page = report_file.read_text(encoding="utf-8")
    footer = block(page, "footnote")
    with warehouse(demo_home) as con:
        versions = [
            v for (v,) in con.execute(
                "select distinct rule_version from marts.fct_member_index_monthly where month = ? order by 1",
                [MONTH],
            ).fetchall()
        ]  # fmt: skip
        rules = con.execute("select * from staging.rules where rule_version = ?", [versions[-1]]).df().iloc[0]
        gaps = [
            no
            for (no,) in con.execute(
                "select employee_no from marts.fct_member_index_monthly where month = ? and kpi_missing "
                "order by employee_no",
                [MONTH],
            ).fetchall()
        ]
    assert re.search(r'data-key="rule_versions">([^<]+)<', footer).group(1) == "、".join(versions)
    assert [key for key, _ in rows(footer) if key in versions] == versions
    for threshold in ("grade_pioneer_min", "grade_qualified_min", "grade_warning_min"):
        assert f"≥ {float(rules[threshold]):g}" in footer
    assert gaps, "the demo month has a member without KPI"
    assert [key for key, _ in rows(footer) if key not in versions] == gaps
    assert f'data-key="kpi_missing">{len(gaps)}<' in footer
    stamp = re.search(r'<time data-key="generated" datetime="([^"]+)">([^<]+)</time>', footer)
    generated = dt.datetime.fromisoformat(stamp.group(1))
    assert generated.utcoffset() == dt.timedelta(hours=8)
    assert abs(dt.datetime.now(dt.UTC) - generated) < dt.timedelta(hours=6)
    assert stamp.group(2) == generated.strftime("%Y-%m-%d %H:%M:%S") and "Asia/Shanghai" in footer


def test_generation_time_is_shown_in_shanghai_time(demo_home, tmp_path):
    out = report.write_report(
        demo_home, MONTH, tmp_path / "r.html", now=dt.datetime(2026, 11, 6, 1, 30, tzinfo=dt.UTC)
    )
    assert '">2026-11-06 09:30:00</time> (Asia/Shanghai)' in out.read_text(encoding="utf-8")


def test_print_styles_lay_the_report_out_on_a4(report_file):
    style = re.search(r"<style>(.*?)</style>", report_file.read_text(encoding="utf-8"), re.S).group(1)
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", style)
    printed = style[style.index("@media print") :]
    assert re.search(r"nav\.toc[^{]*\{[^}]*display:\s*none", printed)
    assert re.search(r"section\.branch\s*\{[^}]*break-before:\s*page", printed)
    assert re.search(r"tr[^{]*\{[^}]*break-inside:\s*avoid", printed)
    assert re.search(r"\.chart svg[^{]*\{[^}]*max-width:\s*100%", printed)


def test_rules_are_read_from_the_warehouse(report_file, demo_home):
    """No scoring constant of its own: the grade bands drawn are the month's rule version's, and a
    different version draws different bands; the requirement names are the marts'."""
    assert not hasattr(report, "GRADE_BANDS") and not hasattr(report, "QUARTERLY_REQUIREMENTS")
    with warehouse(demo_home) as con:
        rules = report.rules_in_force(con, MONTH)
        stored = con.execute(
            "select grade_warning_min, grade_qualified_min, grade_pioneer_min from staging.rules where rule_version = ?",
            [rules[-1]["rule_version"]],
        ).fetchone()
        labels, quarterly = report.requirement_catalogue(con)
        names = dict(
            con.execute(
                "select distinct requirement, requirement_name from marts.fct_branch_cadence_status"
            ).fetchall()
        )
    bands = {
        row["band"]: (row["band_start"], row["band_end"])
        for row in chart_rows(specs(report_file.read_text(encoding="utf-8"))["member-distribution"])
        if "band" in row
    }
    starts = [float(v) for v in stored]
    assert [bands[report.GRADES[g]][0] for g in ("WARNING", "QUALIFIED", "PIONEER")] == starts
    assert labels == {code: names[code] for code in labels} and set(labels) == set(names)
    assert sorted(quarterly) == ["branch_general", "lecture"]
    stricter = {**rules[-1], "grade_warning_min": 65, "grade_pioneer_min": 95}
    chart = report.member_distribution(
        pd.DataFrame({"member_id": [1], "index_score": [80.0], "grade": ["QUALIFIED"]}), stricter
    )
    drawn = {row["band"]: row["band_start"] for row in chart_rows(chart.to_dict()) if "band" in row}
    assert drawn[report.GRADES["WARNING"]] == 65 and drawn[report.GRADES["PIONEER"]] == 95
