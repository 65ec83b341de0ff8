"""The event store: layout, dedupe on append, atomic immutable files, batch ids, watermarks."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.schema import ENTITIES, entity_schema
from ingest.store import EventStore

NOW = dt.datetime(2026, 4, 1, 2, 0)


def kpi_events(*ids: str) -> pa.Table:
    schema = entity_schema("performance", "kpi")
    rows = [
        {
            "event_id": i,
            "source": "performance",
            "entity": "kpi",
            "natural_key": "SG1|2026-03",
            "recorded_at": NOW,
            "batch_id": "b",
            "source_file": "kpi_1.csv",
            "source_position": n + 2,
            "deleted": False,
        }
        for n, i in enumerate(ids)
    ]
    return pa.Table.from_pylist(rows, schema=schema)


def test_layout_has_an_empty_file_per_entity(tmp_path):
    EventStore(tmp_path)
    for source, entity in ENTITIES:
        empty = pq.read_table(tmp_path / "events" / source / entity / "_empty.parquet")
        assert empty.num_rows == 0
        assert empty.schema.names == entity_schema(source, entity).names


def test_append_leaves_out_stored_and_repeated_event_ids(tmp_path):
    store = EventStore(tmp_path)
    first = store.new_batch("performance", NOW)
    assert store.append("performance", "kpi", kpi_events("a", "b", "a"), first) == 2
    second = store.new_batch("performance", NOW)
    assert store.append("performance", "kpi", kpi_events("b", "c"), second) == 1
    assert store.append("performance", "kpi", kpi_events("a"), store.new_batch("performance", NOW)) == 0
    files = sorted(p.name for p in (tmp_path / "events" / "performance" / "kpi").iterdir())
    assert files == [
        "20260401T020000-performance-001.parquet",
        "20260401T020000-performance-002.parquet",
        "_empty.parquet",
    ]
    kept = pq.read_table(tmp_path / "events" / "performance" / "kpi" / f"{first}.parquet")
    # the first "a" wins; rows keep no particular order in the file (DuckDB writes in parallel)
    assert sorted(kept.column("source_position").to_pylist()) == [2, 3]


def test_append_by_record_time_still_leaves_out_stored_ids(tmp_path):
    store = EventStore(tmp_path)

    def timed(times: dict[str, dt.datetime]) -> pa.Table:
        table = kpi_events(*times)
        return table.set_column(4, "record_time", pa.array(list(times.values()), pa.timestamp("us")))

    march, april = dt.datetime(2026, 3, 31, 9, 30, 0, 250), dt.datetime(2026, 4, 30, 18)
    first = store.new_batch("performance", NOW)
    assert store.append("performance", "kpi", timed({"a": march, "b": april}), first, True) == 2
    again = timed({"a": march, "b": april, "c": april + dt.timedelta(days=1)})
    assert store.append("performance", "kpi", again, store.new_batch("performance", NOW), True) == 1
    assert (
        store.append("performance", "kpi", kpi_events("a", "d"), store.new_batch("performance", NOW), True)
        == 1
    )


def test_batch_ids_are_unique_per_source_and_clock(tmp_path):
    store, other = EventStore(tmp_path), EventStore(tmp_path)
    ids = {store.new_batch("learning", NOW), other.new_batch("learning", NOW), store.new_batch("roster", NOW)}
    assert ids == {
        "20260401T020000-learning-001",
        "20260401T020000-learning-002",
        "20260401T020000-roster-001",
    }


def test_watermarks_return_the_last_put(tmp_path):
    store = EventStore(tmp_path)
    assert store.get_watermark("meeting", "meeting") is None
    store.put_watermark(
        "meeting", "meeting", "2026-03-01T00:00:00+08:00", store.new_batch("meeting", NOW), NOW
    )
    later = NOW + dt.timedelta(days=1)
    store.put_watermark(
        "meeting", "meeting", "2026-03-02T00:00:00+08:00", store.new_batch("meeting", later), later
    )
    store.put_watermark(
        "meeting", "leave", "2026-01-01T00:00:00+08:00", store.new_batch("meeting", later), later
    )
    assert EventStore(tmp_path).get_watermark("meeting", "meeting") == "2026-03-02T00:00:00+08:00"
