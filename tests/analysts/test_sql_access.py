"""`pioneer sql` and analysts' read-only connections while the nightly job runs."""

import fcntl
import io
import os
import pty
import select
import shutil
import struct
import subprocess
import termios
import time
from pathlib import Path

import duckdb
import pandas as pd
from conftest import PIONEER, demo_landing, pioneer

MARTS = [
    "dim_member",
    "dim_branch",
    "fct_member_index_monthly",
    "fct_member_points_ledger",
    "fct_branch_index_monthly",
    "fct_branch_compliance_monthly",
    "fct_recruitment_pipeline_monthly",
]
COUNTS = " union all ".join(f"select '{t}' as mart, count(*) as n from marts.{t}" for t in MARTS)


def counts(con) -> dict[str, int]:
    return dict(con.execute(COUNTS).fetchall())


def months_via_cli(home) -> list[str]:
    listed = pioneer(
        "sql", "--home", str(home), "--csv", "--query",
        "select distinct month from marts.fct_member_index_monthly order by month",
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    return pd.read_csv(io.StringIO(listed.stdout))["month"].tolist()


def test_query_prints_a_table(demo_home):
    shown = pioneer(
        "sql", "--home", str(demo_home), "--query",
        "select grade, count(*) as members from marts.fct_member_index_monthly "
        "where month = '2026-10' group by grade order by grade",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split()[:2] == ["grade", "members"]
    assert "QUALIFIED" in shown.stdout


def test_the_connection_is_read_only(demo_home):
    tried = pioneer("sql", "--home", str(demo_home), "--query", "create table marts.scratch as select 1")
    assert tried.returncode == 1
    assert "read-only" in tried.stderr


def test_a_home_without_warehouse_is_a_usage_error(tmp_path):
    tried = pioneer("sql", "--home", str(tmp_path), "--query", "select 1")
    assert tried.returncode == 2
    assert "no published warehouse" in tried.stderr


def test_open_reader_neither_blocks_the_night_nor_sees_a_half_built_mart(demo_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    demo_landing(tmp_path / "landing", end="2026-12")  # the next month's activity arrived
    reader = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    before = counts(reader)
    old_months = months_via_cli(home)

    night = subprocess.Popen(
        [*PIONEER, "run", "--sources", str(tmp_path / "landing"), "--home", str(home),
         "--now", "2026-12-06T01:30:00+08:00"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    polls = 0
    while night.poll() is None:
        assert counts(reader) == before  # the reader keeps its complete warehouse throughout
        polls += 1
        time.sleep(0.2)
    output = night.stdout.read()
    assert night.returncode == 0, output
    assert polls > 10

    assert counts(reader) == before
    assert months_via_cli(home) == old_months + ["2026-11"]  # a new connection sees the new night
    reader.close()
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as fresh:
        assert counts(fresh)["fct_member_index_monthly"] > before["fct_member_index_monthly"]


def test_the_marts_carry_their_documentation_as_comments(demo_home):
    """persist_docs: an analyst's SQL client shows each mart's and column's YAML description."""
    import yaml

    documented = yaml.safe_load(
        (
            Path(__file__).resolve().parents[2] / "dbt_project/models/marts/fct_member_index_monthly.yml"
        ).read_text()
    )["models"][0]
    columns = {c["name"]: c["description"].strip() for c in documented["columns"]}
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        (table,) = con.execute(
            "select comment from duckdb_tables() where schema_name = 'marts'"
            " and table_name = 'fct_member_index_monthly'"
        ).fetchone()
        comments = dict(
            con.execute(
                "select column_name, comment from duckdb_columns() where schema_name = 'marts'"
                " and table_name = 'fct_member_index_monthly'"
            ).fetchall()
        )
    assert table == documented["description"].strip()
    assert {name: comments[name].strip() for name in columns} == columns


def test_sql_piped_in_runs_as_a_script_read_only(demo_home):
    piped = pioneer(
        "sql", "--home", str(demo_home),
        input="select count(*) as branches from marts.dim_branch;\nselect 42 as answer;\n",
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        branches = con.execute("select count(*) from marts.dim_branch").fetchone()[0]
    assert "branches" in piped.stdout and f"│ {branches:>8} │" in piped.stdout, piped.stdout
    assert "│     42 │" in piped.stdout
    refused = pioneer("sql", "--home", str(demo_home), input="create table marts.scratch (i int);")
    assert refused.returncode == 1 and "read-only" in refused.stderr, refused.stderr


def test_in_a_terminal_the_shell_is_harlequin_on_the_warehouse_read_only(demo_home):
    """A pseudo-terminal: Harlequin draws its catalogue with the warehouse; meanwhile another
    read-only reader can open the file (a read-write open would hold it exclusively); Ctrl+Q quits."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: `pioneer sql` in a 160x48 terminal
        os.environ.update(TERM="xterm-256color", COLUMNS="160", LINES="48")
        os.execv(PIONEER[0], [*PIONEER, "sql", "--home", str(demo_home)])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    screen = read_until(fd, lambda text: b"warehouse" in text, timeout=120)
    try:
        assert b"warehouse" in screen, screen[-2000:]
        with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
            assert con.execute("select count(*) from marts.dim_branch").fetchone()[0] > 0
    finally:
        os.write(fd, b"\x11")  # Ctrl+Q
        read_until(fd, lambda text: False, timeout=20)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def read_until(fd: int, done, timeout: float) -> bytes:
    """What the terminal shows until ``done(output)`` or the end of output or ``timeout``."""
    out, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline and not done(out):
        if select.select([fd], [], [], 0.5)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    return out
