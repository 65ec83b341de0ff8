"""The report in a real browser: every chart renders, nothing errs, the page shows the marts' numbers,
it is styled and has its branch pages, and it prints on A4 (a print-media screenshot and a PDF beside
the screen one)."""

import re

import duckdb
import pytest
from chromium import Page
from conftest import MONTH

CHART_IDS = ["branch-ranking", "member-distribution", "department-trend", "department-deltas",
             "compliance-heatmap", "recruitment-pipeline", "appeals"]  # fmt: skip


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


def marts_branches(demo_home) -> list[str]:
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        return [
            b
            for (b,) in con.execute(
                "select branch_id from marts.fct_branch_index_monthly where month = ? order by branch_id",
                [MONTH],
            ).fetchall()
        ]


def style(page: Page, selector: str, prop: str) -> str:
    return page.evaluate(f"getComputedStyle(document.querySelector({selector!r})).getPropertyValue({prop!r})")


def test_page_is_styled(page):
    assert "Noto Sans CJK SC" in style(page, "body", "font-family")
    assert style(page, "h1", "color") == "rgb(192, 57, 43)"
    assert style(page, "table", "border-collapse") == "collapse"
    assert style(page, "#pioneers td.num", "text-align") == "right"
    assert style(page, "nav.toc", "display") == "block"  # on screen the contents are shown


def test_branch_pages_exist_in_the_dom(page, demo_home):
    branches = marts_branches(demo_home)
    shown = page.evaluate("[...document.querySelectorAll('section.branch')].map(s => s.id)")
    assert shown == [f"branch-{b}" for b in branches] and branches
    assert page.evaluate(
        "[...document.querySelectorAll('section.branch')].every(s => s.querySelectorAll('tbody tr').length > 0 "
        "&& s.querySelector('svg.sparkline circle') !== null)"
    )
    # every link of the contents leads to an element of the page
    targets = page.evaluate("[...document.querySelectorAll('nav.toc a')].map(a => a.getAttribute('href'))")
    assert {f"#branch-{b}" for b in branches} <= set(targets)
    assert page.evaluate(f"{targets!r}.every(t => document.querySelector(t) !== null)")


@pytest.fixture(scope="module")
def printed(page, tmp_path_factory):
    """The page laid out for print at the width A4 leaves inside the margins of @page (186 mm, 703 CSS px):
    a screenshot and the PDF Chromium prints;
    the page goes back to the screen afterwards."""
    tmp = tmp_path_factory.mktemp("print")
    page.emulate_media("print", width=703)
    try:
        page.screenshot(tmp / "report_print.png")
        pdf = page.print_pdf(tmp / "report.pdf")
        layout = page.evaluate(
            """(() => ({
              toc: getComputedStyle(document.querySelector('nav.toc')).display,
              breaks: [...document.querySelectorAll('section.branch')].map(s => getComputedStyle(s).breakBefore),
              footnote: getComputedStyle(document.querySelector('#footnote')).breakBefore,
              rowBreak: getComputedStyle(document.querySelector('section.branch tbody tr')).breakInside,
              headerGroup: getComputedStyle(document.querySelector('thead')).display,
              width: document.documentElement.clientWidth,
              widest: Math.max(...[...document.querySelectorAll('div.chart svg, table')]
                                 .map(e => e.getBoundingClientRect().right)),
            }))()"""
        )
    finally:
        page.emulate_media("", width=1100)
    return {"png": tmp / "report_print.png", "pdf": pdf, "layout": layout}


def test_print_layout_on_a4(printed, demo_home):
    layout, branches = printed["layout"], marts_branches(demo_home)
    assert layout["toc"] == "none"  # no navigation on paper
    assert layout["breaks"] == ["page"] * len(branches)  # each branch starts a printed page
    assert layout["footnote"] == "page"
    assert layout["rowBreak"] == "avoid" and layout["headerGroup"] == "table-header-group"
    assert layout["widest"] <= layout["width"] + 1, layout  # charts and tables fit the page
    assert printed["png"].stat().st_size > 50_000
    pdf = printed["pdf"]
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages >= len(branches) + 2, pages  # the summary, a page (or more) per branch, the footnote
