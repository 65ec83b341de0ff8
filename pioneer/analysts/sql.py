"""Read-only access to the published warehouse for analysts.

The nightly job never writes ``HOME/warehouse.duckdb`` in place: it builds a candidate and renames
it over the published file. A read-only connection therefore takes no lock the job needs and keeps
reading the complete warehouse it opened; a connection opened after the rename sees the new night.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb
import pandas as pd

from core.layout import Home


class NoWarehouse(FileNotFoundError):
    """The home has no published warehouse yet."""


def published_warehouse(home: Path) -> Path:
    path = Home(home).warehouse
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
    """A SQL shell on the published warehouse, read-only. In a terminal: Harlequin, the terminal
    SQL IDE for DuckDB (catalogue, editor, results; Ctrl+Q quits). SQL piped in instead (not a
    terminal): each statement runs and its result is printed, as ``duckdb file < script.sql``."""
    path = published_warehouse(home)
    if sys.stdin.isatty():
        harlequin = str(Path(sys.executable).parent / "harlequin")
        os.execv(harlequin, [harlequin, "--adapter", "duckdb", "--read-only", "--no-init", str(path)])
    with connect(home) as con:
        for statement in duckdb.extract_statements(sys.stdin.read()):
            result = con.sql(statement.query)
            if result is not None:
                print(result, flush=True)
