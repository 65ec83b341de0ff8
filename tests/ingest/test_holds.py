"""Held deliveries (ingest/holds.py): the ledger's latest state wins, in both directions; the dbt
sources leave out exactly the batches the ledger says are unused; a failed gate holds its whole
delivery with a message naming file, count and rate; a corrected delivery replaces it; a held
roster snapshot is not the state the next snapshot is derived against."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import jinja2
import pytest
import yaml
from conftest import KPI_HEADER, ROSTER_HEADER, at, write_lines

from ingest import holds
from ingest.store import EventStore
from pioneer.pipeline import GateFailed, ingest_stage

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 10, 7, 2, 0)


def employee(i: int) -> str:
    return f"SG{i:07d}"


# ---- the ledger ---------------------------------------------------------------------------------


def hold(home: Path, batch: str, when: dt.datetime) -> None:
    holds.hold(home, "performance", "kpi", {batch: [f"{batch}.csv"]}, f"gate failed for {batch}", when)


def test_an_empty_or_missing_ledger_holds_nothing(tmp_path):
    assert holds.held(tmp_path) == [] and holds.unused_batch_ids(tmp_path) == set()
    EventStore(tmp_path)  # makes the ledger's _empty.parquet
    assert (tmp_path / "events" / "_holds" / "_empty.parquet").exists()
    assert holds.held(tmp_path) == [] and holds.unused_batch_ids(tmp_path) == set()


def test_a_hold_lists_the_batch_with_its_files_time_and_message(tmp_path):
    hold(tmp_path, "b1", T0)
    (listed,) = holds.held(tmp_path)
    assert listed == {
        "batch_id": "b1",
        "source": "performance",
        "entity": "kpi",
        "files": ["b1.csv"],
        "since": "2026-10-07T02:00:00+08:00",
        "reason": "gate failed for b1",
    }
    assert holds.unused_batch_ids(tmp_path) == {"b1"}


def test_the_latest_state_wins_accepted_after_held(tmp_path):
    hold(tmp_path, "b1", T0)
    hold(tmp_path, "b2", T0)
    (accepted,) = holds.accept(tmp_path, ["b1"], "zhang", T0 + dt.timedelta(hours=7))
    assert accepted["batch_id"] == "b1" and accepted["by"] == "zhang"
    assert [h["batch_id"] for h in holds.held(tmp_path)] == ["b2"]
    assert holds.unused_batch_ids(tmp_path) == {"b2"}
    assert holds.states(tmp_path)["b1"]["state"] == "accepted"


def test_the_latest_state_wins_held_after_accepted(tmp_path):
    # the other direction: a hold recorded after an acceptance is the state (no age wins by itself)
    holds._record(
        tmp_path,
        [{"batch_id": "b1", "source": "performance", "entity": "kpi", "files": ["b1.csv"], "by": "x"}],
        "accepted",
        T0,
    )
    hold(tmp_path, "b1", T0 + dt.timedelta(days=1))
    assert [h["batch_id"] for h in holds.held(tmp_path)] == ["b1"]
    assert holds.unused_batch_ids(tmp_path) == {"b1"}


def test_at_the_same_instant_a_decision_beats_the_hold(tmp_path):
    hold(tmp_path, "b1", T0)
    holds.accept(tmp_path, ["b1"], "zhang", T0)
    assert holds.held(tmp_path) == [] and holds.unused_batch_ids(tmp_path) == set()


def test_accepting_what_is_not_held_is_refused_and_records_nothing(tmp_path):
    hold(tmp_path, "b1", T0)
    with pytest.raises(holds.NotHeld, match=r"batch nope is not held .*no held delivery.*held now: b1"):
        holds.accept(tmp_path, ["b1", "nope"], "zhang", T0)
    assert [h["batch_id"] for h in holds.held(tmp_path)] == ["b1"]  # b1 not accepted either
    holds.accept(tmp_path, ["b1"], "zhang", T0)
    with pytest.raises(holds.NotHeld, match="its delivery is accepted"):
        holds.accept(tmp_path, ["b1"], "zhang", T0)


def test_decisions_are_new_files_never_rewritten(tmp_path):
    hold(tmp_path, "b1", T0)
    hold(tmp_path, "b2", T0)
    holds.accept(tmp_path, ["b1"], "zhang", T0)
    names = sorted(p.name for p in (tmp_path / "events" / "_holds").glob("*.parquet"))
    assert names == [
        "20261007T020000-performance-accepted-001.parquet",
        "20261007T020000-performance-held-001.parquet",
        "20261007T020000-performance-held-002.parquet",
    ]


# ---- the dbt sources read what the ledger says --------------------------------------------------


def source_location(home: Path, source: str, name: str) -> str:
    """A source's external_location as dbt-duckdb renders it (jinja, then ``{name}``)."""
    spec = yaml.safe_load((ROOT / "dbt_project" / "models" / "staging" / "_sources.yml").read_text())
    (node,) = [s for s in spec["sources"] if s["name"] == source]
    template = node["config"]["meta"]["external_location"]
    rendered = jinja2.Template(template).render(env_var=lambda key, default=None: str(home))
    return rendered.format_map({"name": name})


def test_the_dbt_sources_leave_out_exactly_the_unused_batches(tmp_path):
    home = tmp_path / "it's home"  # a quote in the path stays quoted
    store = EventStore(home)
    for batch in ("b_held", "b_accepted", "b_replaced", "b_plain", "b_reheld"):
        store.db.execute(
            f"copy (select '{batch}' as batch_id, 1 as x) to "
            f"'{str(home / 'events' / 'performance' / 'kpi' / f'{batch}.parquet').replace(chr(39), chr(39) * 2)}'"
        )
    for batch in ("b_held", "b_accepted", "b_replaced", "b_reheld"):
        hold(home, batch, T0)
    holds.accept(home, ["b_accepted", "b_reheld"], "zhang", T0 + dt.timedelta(hours=1))
    holds._record(
        home, [holds.states(home)["b_replaced"] | {"by": "b9"}], "replaced", T0 + dt.timedelta(hours=2)
    )
    hold(home, "b_reheld", T0 + dt.timedelta(hours=3))
    location = source_location(home, "performance", "kpi")
    assert re.search(r"_holds/\*\.parquet", location)
    with duckdb.connect() as con:
        read = {b for (b,) in con.execute(f"select distinct batch_id from {location}").fetchall()}
        unused = {b for (b,) in con.execute(holds.unused_batches_sql(home)).fetchall()}
    assert read == {"b_accepted", "b_plain"}
    assert unused == holds.unused_batch_ids(home) == {"b_held", "b_replaced", "b_reheld"}


# ---- a failed gate holds its delivery; a corrected delivery replaces it (ingest + gate, no dbt) ---


def kpi_file(settings, name: str, good: range, bad: int, score: int = 90) -> None:
    rows = [f"{employee(i)},202609,{score},A,2026-10-02T10:00:00+08:00" for i in good]
    rows += [f"{employee(100 + i)},202609,not-a-number,A,2026-10-02T10:00:00+08:00" for i in range(bad)]
    write_lines(settings, f"performance/{name}", [KPI_HEADER, *rows])


def used_kpi(settings) -> dict[str, float]:
    """employee → KPI score of the events that count (the ledger's used batches)."""
    glob = f"{settings.home}/events/performance/kpi/*.parquet"
    with duckdb.connect() as con:
        rows = con.execute(
            f"select employee_no, kpi_score from read_parquet('{glob}') "
            f"where batch_id not in ({holds.unused_batches_sql(settings.home)})"
        ).fetchall()
    return {e: float(s) for e, s in rows}


def test_a_failed_gate_holds_the_delivery_and_a_corrected_file_replaces_it(settings):
    night1 = at(settings, dt.datetime(2026, 10, 7, 2, 0))
    kpi_file(night1, "kpi_202609.csv", range(1, 16), bad=25)
    with pytest.raises(GateFailed) as failed:
        ingest_stage(night1, "performance")
    message = str(failed.value)
    (held,) = holds.held(settings.home)
    assert held["batch_id"] == "20261007T020000-performance-001"
    assert (held["source"], held["entity"], held["files"]) == ("performance", "kpi", ["kpi_202609.csv"])
    assert message.startswith(
        "source gate failed for performance/kpi: 25 of 40 rows quarantined (62.5 % > 5 %) in kpi_202609.csv; "
        "held batch 20261007T020000-performance-001 (`pioneer accept --batch 20261007T020000-performance-001`"
    )
    assert held["reason"] in message
    assert failed.value.detail["held"][0]["batch_id"] == held["batch_id"]
    assert used_kpi(settings) == {}  # its 15 good rows are stored but not used

    # a night with nothing new passes and leaves it held
    night2 = at(settings, dt.datetime(2026, 10, 8, 2, 0))
    assert ingest_stage(night2, "performance").replaced == []
    assert [h["batch_id"] for h in holds.held(settings.home)] == [held["batch_id"]]

    # the corrected file, under the same name: passes, replaces the held batch
    night3 = at(settings, dt.datetime(2026, 10, 9, 2, 0))
    kpi_file(night3, "kpi_202609.csv", range(1, 16), bad=0, score=95)
    (replaced,) = ingest_stage(night3, "performance").replaced
    assert replaced["batch_id"] == held["batch_id"]
    assert replaced["by"] == "20261009T020000-performance-001"
    assert holds.held(settings.home) == []
    assert holds.states(settings.home)[held["batch_id"]]["state"] == "replaced"
    assert used_kpi(settings) == {employee(i): 95.0 for i in range(1, 16)}  # only the corrected rows


def test_a_batch_corrected_in_part_stays_held(settings):
    night1 = at(settings, dt.datetime(2026, 10, 7, 2, 0))
    kpi_file(night1, "kpi_a_202609.csv", range(1, 16), bad=25)
    kpi_file(night1, "kpi_b_202609.csv", range(16, 20), bad=0)
    with pytest.raises(
        GateFailed,
        match=r"25 of 44 rows quarantined \(56.8 % > 5 %\) in kpi_a_202609.csv \(25 of 40\);.*or deliver corrected copies of all its files \(kpi_a_202609.csv, kpi_b_202609.csv\)",
    ):
        ingest_stage(night1, "performance")
    (held,) = holds.held(settings.home)
    assert held["files"] == ["kpi_a_202609.csv", "kpi_b_202609.csv"]
    night2 = at(settings, dt.datetime(2026, 10, 8, 2, 0))
    kpi_file(night2, "kpi_a_202609.csv", range(1, 16), bad=0, score=95)
    assert ingest_stage(night2, "performance").replaced == []  # kpi_b was not delivered again
    assert [h["batch_id"] for h in holds.held(settings.home)] == [held["batch_id"]]


def test_a_held_roster_snapshot_is_not_the_state_the_next_one_is_derived_against(settings):
    def roster(when: dt.datetime, day: str, status_of_1: str, bad: int = 0) -> None:
        rows = [
            f"M{i:06d},{employee(i)},党员{i},M,1380000{i:04d},B01,,{status_of_1 if i == 1 else 'full'},2020-01-01"
            for i in range(1, 36)
        ]
        rows += [
            f"X{i:06d},{employee(200 + i)},坏{i},M,1390000{i:04d},B01,,chairman,2020-01-01"
            for i in range(bad)
        ]
        write_lines(at(settings, when), f"roster/roster_{day}.csv", [ROSTER_HEADER, *rows])

    first, second, third = (dt.datetime(2026, 9, d, 2, 0) for d in (2, 16, 30))
    roster(first, "2026-09-01", "full")
    ingest_stage(at(settings, first), "roster")
    roster(second, "2026-09-15", "inactive", bad=25)  # M000001 becomes inactive, in a broken file
    with pytest.raises(
        GateFailed, match=r"roster/member: 25 of 60 rows quarantined .* in roster_2026-09-15.csv"
    ):
        ingest_stage(at(settings, second), "roster")
    roster(third, "2026-09-29", "inactive")  # the next snapshot repeats the change
    ingest_stage(at(settings, third), "roster")
    glob = f"{settings.home}/events/roster/member/*.parquet"
    with duckdb.connect() as con:
        changes = con.execute(
            f"select effective_date::varchar, change_kind, status from read_parquet('{glob}') "
            f"where member_id = 'M000001' and batch_id not in ({holds.unused_batches_sql(settings.home)}) "
            "order by effective_date"
        ).fetchall()
    assert changes == [("2026-09-01", "joined", "full"), ("2026-09-29", "status_changed", "inactive")]
