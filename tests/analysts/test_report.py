"""`pioneer report`: one self-contained HTML file whose numbers are the marts'."""

import json
import re

import duckdb
from conftest import MONTH, pioneer


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
