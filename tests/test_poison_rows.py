"""No row can brick a home (issue 23). A landing holding one wrong value in every field of every
entity builds exactly the marts of the same landing without them, each wrong value quarantined
with its reason. A home whose store holds an event with a value of the wrong
type (an older ingest stored roster ``status_since`` as text, e.g. ``2025-13-01``) still builds,
lists the event in ``audit.nonconforming_events``, and ``pioneer doctor --repair`` moves it to the
quarantine without deleting anything, after which the home builds clean."""

import hashlib
import json
import shutil
from collections import Counter

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from pioneer_cli import demo_data, pioneer
from wrong_values import append_wrong_values

NIGHTS = ["2026-11-06T01:30:00+08:00", "2026-11-07T01:30:00+08:00", "2026-11-08T01:30:00+08:00"]
BAD = "2025-13-01"


def inject_untyped_status_since(home) -> str:
    """Store, as an older ingest did, a roster member event whose ``status_since`` is text; it is
    the member's latest state (recorded after every other). Returns its event id."""
    folder = home / "events" / "roster" / "member"
    stored = pa.concat_tables(
        pq.read_table(p) for p in sorted(folder.glob("*.parquet")) if p.name != "_empty.parquet"
    )
    latest = stored.sort_by([("effective_date", "descending")]).slice(0, 1)
    event_id = hashlib.sha256(b"untyped status_since").hexdigest()
    columns = {name: latest.column(name) for name in latest.column_names}
    columns |= {
        "event_id": pa.array([event_id]),
        "batch_id": pa.array(["20261106T013001-roster-900"]),
        "recorded_at": pc.add(latest.column("recorded_at"), pa.scalar(1_000_000, pa.duration("us"))),
        "status_since": pa.array([BAD]),  # text, against the declared date
    }
    pq.write_table(pa.table(columns), folder / "20261106T013001-roster-900.parquet")
    return event_id


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    root = tmp_path_factory.mktemp("poison")
    landing, home = root / "landing", root / "home"
    demo_data(landing, members=40, months=2, seed=5)
    first = pioneer("run", "--sources", str(landing), "--home", str(home), "--now", NIGHTS[0])
    assert first.returncode == 0, first.stdout + first.stderr
    return landing, home, marts(home), inject_untyped_status_since(home)


def marts(home) -> dict[str, list[tuple]]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return {
            "members": con.execute(
                "select employee_no, month, index_score, grade, rank_overall from marts.fct_member_index_monthly order by all"
            ).fetchall(),
            "branches": con.execute(
                "select branch_id, month, index_score from marts.fct_branch_index_monthly order by all"
            ).fetchall(),
        }


def quarantined_reasons(home) -> Counter:
    status = json.loads(pioneer("status", "--home", str(home), "--json").stdout)
    return Counter(status["quarantine"]["by_reason"])


def test_a_wrong_value_in_every_field_is_quarantined_and_changes_no_mart(poisoned, tmp_path):
    landing, clean_home, clean_marts, _ = poisoned
    wrong_landing, home = tmp_path / "landing", tmp_path / "home"
    shutil.copytree(landing, wrong_landing)
    brought = append_wrong_values(wrong_landing)
    night = pioneer("run", "--sources", str(wrong_landing), "--home", str(home), "--now", NIGHTS[0])
    assert night.returncode == 0, night.stdout + night.stderr
    assert marts(home) == clean_marts
    assert quarantined_reasons(home) - quarantined_reasons(clean_home) == brought


def nonconforming(home) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "select event_id, column_name, stored_value, declared_type from audit.nonconforming_events"
        ).fetchall()


def test_a_value_of_the_wrong_type_leaves_its_event_out_of_the_build_not_the_build(poisoned):
    landing, home, _, event_id = poisoned
    night = pioneer("run", "--sources", str(landing), "--home", str(home), "--now", NIGHTS[1])
    assert night.returncode == 0, night.stdout + night.stderr
    assert nonconforming(home) == [(event_id, "status_since", BAD, "DATE")]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert not con.execute(
            "select 1 from staging.stg_roster__member where event_id = ?", [event_id]
        ).fetchall()


def test_doctor_moves_it_to_quarantine_and_the_home_builds_clean(poisoned):
    landing, home, _, _ = poisoned
    found = pioneer("doctor", "--home", str(home))
    assert found.returncode == 3, found.stdout + found.stderr
    assert (
        "20261106T013001-roster-900.parquet: status_since stored as VARCHAR; 1 events do not convert"
        in found.stdout
    )
    repaired = pioneer("doctor", "--home", str(home), "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert (
        home / "events" / "_nonconforming" / "roster" / "member" / "20261106T013001-roster-900.parquet"
    ).exists()
    quarantined = pq.read_table(home / "quarantine" / "roster" / "20261106T013001-roster-900-doctor.parquet")
    assert quarantined.column("reason").to_pylist() == ["bad_date"]
    assert BAD in quarantined.column("detail")[0].as_py()
    assert pioneer("doctor", "--home", str(home)).returncode == 0

    night = pioneer("run", "--sources", str(landing), "--home", str(home), "--now", NIGHTS[2])
    assert night.returncode == 0, night.stdout + night.stderr
    assert nonconforming(home) == []
    status = json.loads(pioneer("status", "--home", str(home), "--json").stdout)
    assert status["quarantine"]["by_reason"].get("bad_date", 0) >= 1
