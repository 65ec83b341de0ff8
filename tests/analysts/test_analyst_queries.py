"""Every SQL example of docs/analysts.md runs against a demo warehouse and returns rows, on the first
night's home and on a later one: the queries name no month, they count from the latest scored one."""

import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import demo_landing, pioneer

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"
FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$")
LABEL = re.compile(r"^\*\*(.+?)\*\*")  # a query's title: "**1. Top branches ...**"
# a month or a date written into a query: '2026-10', "2026-10-01", 2026-10, date '2026-10-31'
DATE_LITERAL = re.compile(r"(?<![\w%])(19|20)\d\d-(0[1-9]|1[0-2])(-\d\d)?(?![\w%])")
SQL_START = re.compile(r"^\s*(--|select\b|with\b|from\b)", re.IGNORECASE)
SECOND_NIGHT = "2026-12-06T01:30:00+08:00"  # one month after conftest's first night


def fenced_blocks(markdown: str) -> list[tuple[str, str, str]]:
    """(info string, title, body) of every fenced code block, the title being the nearest bold label
    or heading above it."""
    blocks, title, opened, lines = [], "", None, []
    for line in markdown.splitlines():
        if opened is None:
            if fence := FENCE.match(line):
                opened, info, lines = fence.group(1), fence.group(2).lower(), []
            elif heading := HEADING.match(line):
                title = heading.group(1)
            elif label := LABEL.match(line):
                title = label.group(1)
        elif line.strip().startswith(opened) and not line.strip().strip(opened[0]):
            blocks.append((info, title, "\n".join(lines)))
            opened = None
        else:
            lines.append(line)
    assert opened is None, f"{DOC.name}: a code block is never closed"
    return blocks


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "untitled"


BLOCKS = fenced_blocks(DOC.read_text(encoding="utf-8"))
SQL = [(title, body) for info, title, body in BLOCKS if info == "sql"]
IDS = [f"{i}-{slug(title)}" for i, (title, _) in enumerate(SQL)]


def from_doc_cwd(home: Path, workdir: Path, monkeypatch) -> None:
    """Work in a directory where ``data/state`` is ``home``: the doc's ``read_json`` paths are relative
    to the current directory and name the demo home ``data/state``."""
    (workdir / "data").mkdir(parents=True)
    (workdir / "data" / "state").symlink_to(home, target_is_directory=True)
    monkeypatch.chdir(workdir)


def run(home: Path, body: str) -> pd.DataFrame:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(body).df()


def test_the_doc_fences_its_sql_as_sql():
    assert len(SQL) >= 6, f"expected the five example queries and the ledger check, found {IDS}"
    unlabelled = [(info, title) for info, title, body in BLOCKS if info != "sql" and SQL_START.match(body)]
    assert not unlabelled, f"SQL blocks of {DOC.name} not fenced as ```sql: {unlabelled}"


@pytest.mark.parametrize("body", [body for _, body in SQL], ids=IDS)
def test_no_query_names_a_month_or_date(body):
    assert not DATE_LITERAL.search(body), "a query hard-codes a month or date; count from the latest month"


@pytest.mark.parametrize("body", [body for _, body in SQL], ids=IDS)
def test_query_runs_and_returns_rows(demo_home, tmp_path, monkeypatch, body):
    from_doc_cwd(demo_home, tmp_path, monkeypatch)
    assert len(run(demo_home, body)) > 0, "the query returned no row on the demo warehouse"


def test_the_ledger_check_finds_no_mismatch(demo_home):
    (body,) = [body for title, body in SQL if "ledger" in title.lower()]
    checked = run(demo_home, body).iloc[0]
    assert checked["member_months"] > 0
    assert checked["mismatched"] == 0, checked["which"]


def test_the_queries_follow_a_later_night(demo_home, tmp_path, monkeypatch):
    """A month later the same queries give rows, and those that show months show the new latest one."""
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    demo_landing(tmp_path / "landing", end="2026-12")  # the next month's activity arrived
    ran = pioneer("run", "--sources", str(tmp_path / "landing"), "--home", str(home), "--now", SECOND_NIGHT)
    assert ran.returncode == 0, ran.stdout + ran.stderr

    latest = "select max(month) as month from marts.fct_member_index_monthly"
    first, later = run(demo_home, latest)["month"][0], run(home, latest)["month"][0]
    assert later > first

    from_doc_cwd(home, tmp_path / "cwd", monkeypatch)
    empty, newest = [], {}
    for query_id, (_, body) in zip(IDS, SQL, strict=True):
        frame = run(home, body)
        if frame.empty:
            empty.append(query_id)
        for column in ("month", "period"):
            if column in frame.columns:
                newest[query_id] = frame[column].max()
    assert not empty, f"queries returning no row on a later home (latest month {later}): {empty}"
    assert newest, "no query shows a month"
    # the demo data is deterministic: each query showing months has rows of the latest month
    stale = {query_id: month for query_id, month in newest.items() if month != later}
    assert not stale, f"on a home whose latest month is {later}, queries show only older months: {stale}"
