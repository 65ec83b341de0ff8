"""A new release on an existing home: the warehouse a previous release built (older columns, no
record of its code) is rebuilt in full by the next night, which then publishes the new marts; a
night under unchanged code stays incremental."""

import duckdb
from pioneer_cli import demo_data, run_night

REBUILD = "the dbt project changed since the last build: rebuilding every month"


def marts(warehouse) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select member_id, month, index_score, grade, appeal_adjustment"
            " from marts.fct_member_index_monthly order by all"
        ).fetchall()


def test_a_warehouse_of_an_older_release_is_rebuilt(tmp_path):
    landing, home = tmp_path / "landing", tmp_path / "home"
    demo_data(landing, members=30, months=2, seed=5)
    run_night(landing, home, "2026-11-05T01:30:00+08:00")
    before = marts(home / "warehouse.duckdb")

    same_code = run_night(landing, home, "2026-11-06T01:30:00+08:00")
    assert REBUILD not in same_code.stderr  # unchanged code: incremental

    # what an older release left: no appeal_adjustment column, no record of its code
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("alter table marts.fct_member_index_monthly drop column appeal_adjustment")
        con.execute("drop table audit.build_code")

    upgraded = run_night(landing, home, "2026-11-07T01:30:00+08:00")
    assert REBUILD in upgraded.stderr
    assert marts(home / "warehouse.duckdb") == before
