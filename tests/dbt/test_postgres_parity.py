"""The dbt project is portable: the same event store built on DuckDB and on PostgreSQL gives the same
member index, ledger and branch index, row for row, after a full build and after an incremental one.

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); skipped when it is not reachable.
The test creates its own database `pioneer_pg_<random>` and drops only that one.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
import pytest
from pioneer_cli import demo_data

from core.config import Settings
from core.layout import Home
from ingest.run import ingest_source
from ingest.schema import SOURCES
from pioneer.pg_events import mirror_events
from pioneer.transform import build, publish, rebuilt_months, run_dbt

pytestmark = pytest.mark.slow

ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
NIGHT_1 = "2026-11-06T01:30:00+08:00"
NIGHT_2 = "2026-11-07T01:30:00+08:00"

# table → the columns that order it completely
TABLES = {
    "fct_member_index_monthly": ["member_id", "month"],
    "fct_member_points_ledger": ["member_id", "month", "component", "source_record_id", "points", "detail"],
    "fct_branch_index_monthly": ["branch_id", "month"],
    "fct_branch_compliance_monthly": ["branch_id", "month", "requirement", "party_group"],
}


@pytest.fixture(scope="module")
def pg_database():
    try:
        admin = psycopg2.connect(ADMIN_DSN)
    except psycopg2.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable: {error}")
    admin.autocommit = True
    name = f"pioneer_pg_{uuid.uuid4().hex[:10]}"
    admin.cursor().execute(f"create database {name}")
    try:
        yield name
    finally:
        admin.cursor().execute(f"drop database if exists {name} with (force)")
        admin.close()


def settings_for(home: Path, landing: Path, now: str, target: str = "duckdb") -> Settings:
    return Settings(home=home, sources=landing, now=dt.datetime.fromisoformat(now), dbt_target=target)


def ingest(home: Path, landing: Path, now: str) -> None:
    settings = settings_for(home, landing, now)
    for source in SOURCES:
        ingest_source(settings, source)


def build_both(home: Path, landing: Path, now: str, database: str) -> dict[str, list[str]]:
    """Build the DuckDB warehouse (and publish it) and the PostgreSQL one from the same store."""
    duck = settings_for(home, landing, now)
    months = {"duckdb": build(duck).months_rebuilt}
    publish(duck)
    mirror_events(home, f"host=127.0.0.1 port=5432 user=postgres dbname={database}")
    pg = settings_for(home, landing, now, "postgres")
    run_dbt(pg, ["build"], pg.layout.warehouse)
    with psycopg2.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}") as con:
        cur = con.cursor()
        cur.execute(
            "select dirty.month from intermediate.int_dirty_months as dirty where dirty.is_reported"
            " and exists (select 1 from marts.fct_member_index_monthly as fct where fct.month = dirty.month)"
            " order by 1"
        )
        months["postgres"] = [row[0] for row in cur.fetchall()]
    return months


def normal(value):
    if isinstance(value, Decimal | float):
        return Decimal(value).quantize(Decimal("0.000001"))
    return value


def rows_duckdb(warehouse: Path, table: str, columns: list[str], order: list[str]) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        keys = ", ".join(f"{c} nulls first" for c in order)
        sql = f"select {', '.join(columns)} from marts.{table} order by {keys}"
        return [tuple(normal(v) for v in row) for row in con.execute(sql).fetchall()]


def rows_postgres(database: str, table: str, columns: list[str], order: list[str]) -> list[tuple]:
    with psycopg2.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}") as con:
        cur = con.cursor()
        # byte order of text on both sides (DuckDB compares strings by bytes)
        keys = ", ".join(
            f'{c} collate "C" nulls first' if c != "points" else f"{c} nulls first" for c in order
        )
        cur.execute(f"select {', '.join(columns)} from marts.{table} order by {keys}")
        return [tuple(normal(v) for v in row) for row in cur.fetchall()]


def columns_of(warehouse: Path, table: str) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts'"
                " and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
        ]


@pytest.fixture(scope="module")
def stores(tmp_path_factory, pg_database):
    """Night 1: full builds on both databases; night 2: a late KPI correction, incremental builds."""
    root = tmp_path_factory.mktemp("parity")
    landing, home = root / "landing", root / "home"
    demo_data(landing, members=40, months=3, seed=5)
    snapshots = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_EXCLUDE_RESOURCE_TYPES", "unit_test")
        patch.setenv("PIONEER_PG_DB", pg_database)
        patch.setenv("PIONEER_PG_USER", "postgres")
        patch.setenv("PIONEER_PG_HOST", "127.0.0.1")
        patch.setenv("PIONEER_PG_PORT", "5432")
        patch.setenv("PIONEER_PG_PASSWORD", os.environ.get("PIONEER_PG_PASSWORD", ""))
        ingest(home, landing, NIGHT_1)
        months_1 = build_both(home, landing, NIGHT_1, pg_database)
        snapshots[1] = {t: tables(home, pg_database, t, k) for t, k in TABLES.items()}

        kpi_file = sorted((landing / "performance").glob("kpi_*.csv"))[-1]  # 2026-10
        header, *rows = kpi_file.read_text(encoding="utf-8").splitlines()
        fields = next(r.split(",") for r in rows if r.split(",")[2].replace(".", "", 1).isdigit())
        fields[2], fields[4] = "55.50", "2026-11-06T20:00:00+08:00"
        (landing / "performance" / "kpi_correction.csv").write_text(f"{header}\n{','.join(fields)}\n")
        ingest(home, landing, NIGHT_2)
        months_2 = build_both(home, landing, NIGHT_2, pg_database)
        snapshots[2] = {t: tables(home, pg_database, t, k) for t, k in TABLES.items()}
    return months_1, months_2, snapshots, home


def tables(home: Path, database: str, table: str, order: list[str]):
    warehouse = Home(home).warehouse
    columns = columns_of(warehouse, table)
    return rows_duckdb(warehouse, table, columns, order), rows_postgres(database, table, columns, order)


def test_both_databases_rebuild_the_same_months(stores):
    months_1, months_2, _, home = stores
    assert months_1["duckdb"] == months_1["postgres"] == ["2026-08", "2026-09", "2026-10"]
    assert months_2["duckdb"] == months_2["postgres"] == ["2026-10"]  # incremental: the KPI's month
    assert rebuilt_months(Home(home).warehouse) == months_2["duckdb"]


@pytest.mark.parametrize("night", [1, 2])
@pytest.mark.parametrize("table", list(TABLES))
def test_marts_are_identical_on_duckdb_and_postgres(stores, night, table):
    duck_rows, pg_rows = stores[2][night][table]
    assert len(duck_rows) > 0
    assert len(duck_rows) == len(pg_rows)
    for duck_row, pg_row in zip(duck_rows, pg_rows, strict=True):
        assert duck_row == pg_row


def test_postgres_marts_carry_their_documentation_as_comments(stores, pg_database):
    """persist_docs on PostgreSQL too: the same table and column comments as on DuckDB."""
    home = stores[3]
    sql = (
        "select column_name, comment from duckdb_columns() where schema_name = 'marts'"
        " and table_name = 'fct_branch_cadence_status' order by column_name"
    )
    with duckdb.connect(str(Home(home).warehouse), read_only=True) as con:
        duck = con.execute(sql).fetchall()
    with psycopg2.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={pg_database}") as con:
        cur = con.cursor()
        cur.execute(
            "select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute as a"
            " where a.attrelid = 'marts.fct_branch_cadence_status'::regclass and a.attnum > 0"
            " and not a.attisdropped order by a.attname"
        )
        pg = cur.fetchall()
    assert duck == pg and all(comment for _, comment in duck)
