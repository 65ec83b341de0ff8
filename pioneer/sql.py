"""Read-only access to the published warehouse for analysts.

The nightly job never writes ``HOME/warehouse.duckdb`` in place: it builds a candidate and renames
it over the published file. A read-only connection therefore takes no lock the job needs and keeps
reading the complete warehouse it opened; a connection opened after the rename sees the new night.
"""

from __future__ import annotations

import code
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd


class NoWarehouse(FileNotFoundError):
    """The home has no published warehouse yet."""


def published_warehouse(home: Path) -> Path:
    path = home / "warehouse.duckdb"
    if not path.is_file():
        raise NoWarehouse(f"no published warehouse at {path}; run `pioneer run` first")
    return path


def connect(home: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse."""
    return duckdb.connect(str(published_warehouse(home)), read_only=True)


def run_query(home: Path, sql: str) -> pd.DataFrame:
    with connect(home) as con:
        return con.sql(sql).df()


def interactive(home: Path) -> None:
    """The duckdb shell when installed, else a Python prompt with ``con`` bound (both read-only)."""
    path = published_warehouse(home)
    shell = shutil.which("duckdb")
    if shell:
        os.execv(shell, [shell, "-readonly", str(path)])
    with connect(home) as con:
        banner = (
            f"{path} (read-only). `con` is a DuckDB connection, e.g.\n"
            "  con.sql(\"select * from marts.fct_branch_index_monthly where month = '2026-10'\").show()"
        )
        code.interact(banner=banner, local={"con": con, "duckdb": duckdb}, exitmsg="")
