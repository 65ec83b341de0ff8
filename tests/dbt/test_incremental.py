"""Incremental builds (dbt_project/README.md, "Incremental builds") on a small generated organisation.

Nights are played with the pipeline's own stages (ingest every source, `pioneer.transform.build`,
publish), skipping the GX gates and exports that other tests cover:

- night 1 (2026-11-06) builds everything: 2026-07 .. 2026-10;
- night 2 delivers a KPI correction for 2026-08, an admin bonus for 2026-09 and a new day of learning
  points (2026-11-03, the current month): it rebuilds 2026-08 (KPI), 2026-09 (admin; rest of 2026-08's
  quarter; delta of 2026-08) and 2026-10 (delta of 2026-09), not 2026-07; the marts then equal a
  full refresh of the same event store;
- night 3 delivers a late restatement of 2026-10-31's points and a new day: only 2026-10;
- night 4 delivers nothing: nothing is rebuilt;
- night 5 (2026-12-02) crosses into December: only the new complete month 2026-11; the marts again
  equal a full refresh.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from pioneer_cli import demo_data

from core.config import Settings
from core.layout import Home
from ingest.run import ingest_source
from ingest.schema import SOURCES
from pioneer.transform import build, publish

pytestmark = pytest.mark.slow


def shanghai(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def nightly(home: Path, landing: Path, now: str) -> list[str]:
    """Ingest what is new, build incrementally, publish; the months rebuilt."""
    settings = Settings(home=home, sources=landing, now=shanghai(now))
    for source in SOURCES:
        ingest_source(settings, source)
    summary = build(settings)
    publish(settings)
    return summary.months_rebuilt


def full_refresh(home: Path, now: str, tmp: Path, name: str) -> Path:
    """A full refresh over a copy of the same event store; the candidate warehouse it built."""
    other = tmp / name
    shutil.copytree(home / "events", other / "events")
    settings = Settings(home=other, now=shanghai(now))
    summary = build(settings, full_refresh=True)
    assert summary.months_rebuilt, "a full refresh rebuilds every month"
    return settings.layout.candidate


def marts(warehouse: Path) -> dict[str, list[tuple]]:
    """Every fct_/dim_ table of the marts, columns by name, rows ordered."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
                " and (table_name like 'fct\\_%' escape '\\' or table_name like 'dim\\_%' escape '\\')"
                " order by 1"
            ).fetchall()
        ]
        out = {}
        for table in tables:
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = 'marts' and table_name = ? order by column_name",
                    [table],
                ).fetchall()
            ]
            out[table] = con.execute(
                f"select {', '.join(columns)} from marts.{table} order by all"
            ).fetchall()
    return out


def assert_same_marts(incremental: Path, full: Path) -> None:
    left, right = marts(incremental), marts(full)
    assert left.keys() == right.keys()
    assert len(left) >= 10
    for table in left:
        only_incremental = set(left[table]) - set(right[table])
        only_full = set(right[table]) - set(left[table])
        assert left[table] == right[table], (
            f"{table}: {len(left[table])} vs {len(right[table])} rows; "
            f"only incremental {list(only_incremental)[:3]}, only full {list(only_full)[:3]}"
        )


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def points_of_day(landing: Path, day: str) -> tuple[list[str], list[list[str]]]:
    """Rows of the latest points export that report `day` (dates come as 2026-10-31 or 2026/10/31)."""
    header, rows = read_csv(sorted((landing / "learning").glob("points_*.csv"))[-1])
    wanted = {day, day.replace("-", "/")}
    return header, [row for row in rows if row[2] in wanted and row[3].isdigit()]


def index_of(home: Path, employee_no: str, month: str):
    with duckdb.connect(str(Home(home).warehouse), read_only=True) as con:
        return con.execute(
            "select index_score, performance, bonus from marts.fct_member_index_monthly"
            " where employee_no = ? and month = ?",
            [employee_no, month],
        ).fetchone()


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    landing, home = root / "landing", root / "home"
    demo_data(landing, members=60, months=4, seed=3)
    return root, landing, home


@pytest.fixture(scope="module")
def nights(org):
    """Play nights 1-5; the months each rebuilt, and what the tests compare.

    dbt's unit tests do not depend on the data: test_dbt_build.py runs them; here they are skipped.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_EXCLUDE_RESOURCE_TYPES", "unit_test")
        patch.delenv("PIONEER_DBT_TARGET", raising=False)
        return play_nights(*org)


def play_nights(root: Path, landing: Path, home: Path):
    rebuilt, checks = {}, {}
    rebuilt[1] = nightly(home, landing, "2026-11-06T01:30:00+08:00")

    # night 2: a KPI correction for 2026-08, an admin bonus for 2026-09, a new day of points
    header, kpis = read_csv(landing / "performance" / "kpi_202608.csv")
    employee_no, period = next(
        (row[0], row[1])
        for row in kpis
        if row[2].replace(".", "", 1).isdigit()
        and 50 < float(row[2]) <= 100
        and index_of(home, row[0], "2026-08")
        and index_of(home, row[0], "2026-09")
    )
    before = index_of(home, employee_no, "2026-08"), index_of(home, employee_no, "2026-09")
    corrected = [employee_no, period, "41.00", "D", "2026-11-06T20:00:00+08:00"]
    write_csv(landing / "performance" / "kpi_202608_correction.csv", header, [corrected])
    item = [
        "AI990001", employee_no, "2026-09", "bonus", "4", "迟报的表彰", "党建办", "2026-11-06T21:00:00+08:00",
        "approved",
    ]  # fmt: skip
    header_items, _ = read_csv(sorted((landing / "admin").glob("items_*.csv"))[0])
    write_csv(landing / "admin" / "items_late_2026-09.csv", header_items, [item])
    header_points, day = points_of_day(landing, "2026-10-31")
    write_csv(
        landing / "learning" / "points_2026-11-03.csv",
        header_points,
        [[r[0], r[1], "2026-11-03", "7", r[4]] for r in day],
    )
    rebuilt[2] = nightly(home, landing, "2026-11-07T01:30:00+08:00")
    after = index_of(home, employee_no, "2026-08"), index_of(home, employee_no, "2026-09")
    checks["late events"] = (before, after)
    checks["night 2 full refresh"] = full_refresh(home, "2026-11-07T01:30:00+08:00", root, "night2_full")
    shutil.copyfile(Home(home).warehouse, root / "night2.duckdb")

    # night 3: 2026-10-31 restated (a later export wins) and a new day
    write_csv(
        landing / "learning" / "points_2026-11-04.csv",
        header_points,
        [[r[0], r[1], "2026-10-31", str(int(r[3]) + 5), r[4]] for r in day]
        + [[r[0], r[1], "2026-11-04", "9", r[4]] for r in day],
    )
    rebuilt[3] = nightly(home, landing, "2026-11-08T01:30:00+08:00")
    # night 4: nothing new
    rebuilt[4] = nightly(home, landing, "2026-11-09T01:30:00+08:00")
    # night 5: the clock enters December
    rebuilt[5] = nightly(home, landing, "2026-12-02T01:30:00+08:00")
    checks["night 5 full refresh"] = full_refresh(home, "2026-12-02T01:30:00+08:00", root, "night5_full")
    return rebuilt, checks, root, home


def test_first_night_builds_every_month(nights):
    rebuilt, *_ = nights
    assert rebuilt[1] == ["2026-07", "2026-08", "2026-09", "2026-10"]


def test_late_events_rebuild_their_months_and_the_months_that_read_them(nights):
    rebuilt, checks, *_ = nights
    assert rebuilt[2] == ["2026-08", "2026-09", "2026-10"]
    (august_before, september_before), (august_after, september_after) = checks["late events"]
    assert float(august_after[1]) == pytest.approx(25 * 41 / 100)  # the corrected KPI counts
    assert august_after != august_before
    assert september_after[2] >= september_before[2]  # the late admin bonus counts (capped at 20)


def test_incremental_night_equals_full_refresh(nights):
    _, checks, root, _ = nights
    assert_same_marts(root / "night2.duckdb", checks["night 2 full refresh"])


def test_late_restatement_rebuilds_only_its_month(nights):
    rebuilt, *_ = nights
    assert rebuilt[3] == ["2026-10"]


def test_quiet_night_rebuilds_nothing(nights):
    rebuilt, *_ = nights
    assert rebuilt[4] == []


def test_new_month_rebuilds_only_the_new_complete_month(nights):
    rebuilt, *_ = nights
    assert rebuilt[5] == ["2026-11"]


def test_several_incremental_nights_equal_full_refresh(nights):
    _, checks, _, home = nights
    assert_same_marts(Home(home).warehouse, checks["night 5 full refresh"])


def test_build_state_records_the_arrivals_processed(nights):
    *_, home = nights
    with duckdb.connect(str(Home(home).warehouse), read_only=True) as con:
        high_water = con.execute("select max(recorded_at) from audit.build_batches").fetchone()[0]
        stored = con.execute(
            "select max(recorded_at) from read_parquet(?, union_by_name = true)",
            [str(home / "events" / "*" / "*" / "*.parquet")],
        ).fetchone()[0]
    assert high_water == stored == dt.datetime(2026, 11, 8, 1, 30)
