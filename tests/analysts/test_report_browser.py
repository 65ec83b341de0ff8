"""The report in a real browser: every chart renders, nothing errs, the page shows the marts' numbers."""

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from chromium import Page
from conftest import MONTH

INSTALL = Path(__file__).resolve().parents[2] / "scripts" / "install_chromium.sh"
CHART_IDS = ["branch-ranking", "member-distribution", "department-trend", "department-deltas",
             "compliance-heatmap", "recruitment-pipeline", "appeals"]  # fmt: skip


@pytest.fixture(scope="module")
def chromium() -> str:
    if not shutil.which("chromium"):
        installed = subprocess.run([str(INSTALL)], capture_output=True, text=True, timeout=900)
        if not shutil.which("chromium"):
            pytest.skip(f"chromium could not be installed: {(installed.stdout + installed.stderr)[-300:]}")
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def page(chromium, report_file, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chromium")
    page = Page(chromium, tmp / "profile")
    page.open(report_file.as_uri())
    page.wait_for(lambda: all(n > 0 for n in rendered_marks(page).values()))
    page.screenshot(tmp / "report.png")
    page.png = tmp / "report.png"
    yield page
    page.close()


def rendered_marks(page: Page) -> dict[str, int]:
    """Chart id → number of drawn SVG paths, rects and texts (0 while not rendered)."""
    return page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('div.chart')].map(d => "
        "[d.id, d.querySelectorAll('svg path, svg rect, svg text').length + d.querySelectorAll('canvas').length]))"
    )


def test_every_chart_renders_without_console_errors(page):
    marks = rendered_marks(page)
    assert sorted(marks) == sorted(CHART_IDS)
    assert all(n > 20 for n in marks.values()), marks
    assert page.errors == []
    assert page.png.stat().st_size > 50_000  # a page of charts, not a blank one


def test_page_shows_the_marts_numbers(page, demo_home):
    shown = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('.number')].map(n => "
        "[n.dataset.key, n.querySelector('.value').textContent]))"
    )
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        scored, mean = con.execute(
            "select count(*), round(avg(index_score), 2) from marts.fct_member_index_monthly where month = ?",
            [MONTH],
        ).fetchone()
        name, index_score = con.execute(
            "select b.branch_name, i.index_score from marts.fct_branch_index_monthly i "
            "join marts.dim_branch b using (branch_id) where i.month = ? and i.rank_overall = 1",
            [MONTH],
        ).fetchone()
    assert shown["scored_members"] == f"{scored:,}"
    assert shown["mean_index"] == f"{mean:.2f}"
    ranking_texts = page.evaluate(
        "[...document.querySelectorAll('#branch-ranking svg text')].map(t => t.textContent)"
    )
    assert name in ranking_texts
    assert any(t.endswith(f" {index_score:.2f}") for t in ranking_texts), ranking_texts
