"""The work warehouse (pioneer/transform.py, `build`): dbt builds HOME/work/warehouse.duckdb in place
and the candidate is assembled from it, so no night copies the whole published warehouse.

- a quiet night (nothing new since the published build, same month) rebuilds only the models that
  read the clock's day, and still equals a full refresh at its clock;
- a build that is not published (a failed dbt test or mart gate) leaves the published warehouse as
  it was and the next night starts afresh: it equals a full refresh, as if the failed night had not
  happened;
- the candidate holds every relation of the work warehouse but the work-only tables.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from pioneer_cli import demo_data
from test_incremental import assert_same_marts, full_refresh, marts, points_of_day, shanghai, write_csv

from core.config import Settings
from core.layout import Home
from ingest.run import ingest_source
from ingest.schema import SOURCES
from pioneer.transform import CLOCK_MODELS, WORK_ONLY_TAG, build, publish

pytestmark = pytest.mark.slow

NIGHTS = ["2026-11-06T01:30:00+08:00", "2026-11-07T01:30:00+08:00", "2026-11-08T01:30:00+08:00"]


def ingest_and_build(home, landing, now: str):
    settings = Settings(home=home, sources=landing, now=shanghai(now))
    for source in SOURCES:
        ingest_source(settings, source)
    return settings, build(settings)


def tables(warehouse) -> set[tuple[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return set(con.execute("select schema_name, table_name from duckdb_tables()").fetchall())


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """Night 1 published; night 2 brings nothing (published); night 3 brings a day of points but is
    not published (as when a gate fails); night 4, the same clock, is published."""
    root = tmp_path_factory.mktemp("work")
    landing, home = root / "landing", root / "home"
    demo_data(landing, members=30, months=2, seed=7)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_EXCLUDE_RESOURCE_TYPES", "unit_test")
        patch.delenv("PIONEER_DBT_TARGET", raising=False)
        out = {}
        settings, _ = ingest_and_build(home, landing, NIGHTS[0])
        publish(settings)
        out["night 1 tables"] = tables(Home(home).warehouse), tables(Home(home).work_warehouse)
        settings, out["quiet"] = ingest_and_build(home, landing, NIGHTS[1])
        publish(settings)
        out["quiet full refresh"] = full_refresh(home, NIGHTS[1], root, "quiet_full")
        out["published before"] = marts(Home(home).warehouse)

        header, day = points_of_day(landing, "2026-10-31")
        write_csv(
            landing / "learning" / "points_2026-11-07.csv",
            header,
            [[*r[:2], "2026-10-30", "9", r[4]] for r in day],
        )
        _, out["failed"] = ingest_and_build(home, landing, NIGHTS[2])  # not published
        out["published after failure"] = marts(Home(home).warehouse)
        out["record after failure"] = Home(home).work_published.exists()
        settings, out["next"] = ingest_and_build(home, landing, NIGHTS[2])
        publish(settings)
        out["next full refresh"] = full_refresh(home, NIGHTS[2], root, "next_full")
    return out, home


def test_a_quiet_night_rebuilds_only_the_clock_models(played):
    out, _ = played
    assert out["quiet"].models == len(CLOCK_MODELS)
    assert out["quiet"].months_rebuilt == []


def test_a_quiet_night_equals_a_full_refresh_at_its_clock(played):
    out, _ = played
    assert out["published before"] == marts(out["quiet full refresh"])
    with duckdb.connect(str(out["quiet full refresh"]), read_only=True) as con:
        as_of = con.execute("select distinct as_of_date from marts.fct_branch_cadence_status").fetchall()
    assert as_of == [(shanghai(NIGHTS[1]).date(),)]  # the clock's day moved: the quiet night rebuilt it


def test_an_unpublished_build_leaves_the_published_warehouse_and_is_not_continued(played):
    out, home = played
    assert out["failed"].months_rebuilt == ["2026-10"]
    assert out["published after failure"] == out["published before"]
    assert not out["record after failure"]  # the work warehouse no longer holds the published build
    with duckdb.connect(str(Home(home).warehouse), read_only=True) as con:
        scored = [
            m
            for (m,) in con.execute(
                "select distinct month from marts.fct_member_index_monthly order by 1"
            ).fetchall()
        ]
    assert out["next"].months_rebuilt == scored != ["2026-10"]  # built afresh: every month
    assert_same_marts(Home(home).warehouse, out["next full refresh"])


def test_the_published_warehouse_holds_every_table_of_the_work_warehouse_but_the_work_only_ones(played):
    out, home = played
    published, work = out["night 1 tables"]
    manifest = json.loads((Home(home).dbt_target / "manifest.json").read_text())
    work_only = {(n["schema"], n["alias"]) for n in manifest["nodes"].values() if WORK_ONLY_TAG in n["tags"]}
    assert ("intermediate", "int_member_learning_days") in work_only
    assert work_only <= work
    assert published == work - work_only
