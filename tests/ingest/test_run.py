"""Whole-run entry points: summaries, and sources ingesting side by side."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import (
    ITEMS_HEADER,
    KPI_HEADER,
    POINTS_HEADER,
    ROSTER_HEADER,
    events,
    meeting_record,
    write_jsonl,
    write_lines,
)

from ingest import files
from ingest.run import ingest_all, ingest_source
from ingest.schema import SOURCES
from ingest.store import EventStore


def landing(settings) -> None:
    write_lines(
        settings,
        "roster/roster_2026-03-01.csv",
        [ROSTER_HEADER, "M1,SG1,张伟,M,13800000001,B01,,full,2025-01-01"],
    )
    write_jsonl(settings, "meeting/meetings/a.jsonl", [meeting_record(), "{oops"])
    write_jsonl(settings, "meeting/meetings/copy.jsonl", [meeting_record(), "{oops"])
    write_lines(
        settings, "learning/points_2026-03-08.csv", [POINTS_HEADER, "张伟,13800000001,2026-03-07,10,100"]
    )
    write_lines(settings, "performance/kpi_1.csv", [KPI_HEADER, "SG1,202603,95,A,2026-04-01T10:00:00+08:00",
                                                    "SG1,202603,130,A,2026-04-02T10:00:00+08:00"])  # fmt: skip
    write_lines(
        settings,
        "admin/items_1.csv",
        [ITEMS_HEADER, "I1,SG1,2026-03,bonus,2,honour,admin,2026-03-31T09:00:00,approved"],
    )


EXPECTED = {
    "roster": ({"member": 1, "snapshot": 1}, 1, 0, {}),
    "meeting": ({"meeting": 1}, 1, 1, {"bad_json": 1}),
    "learning": ({"points": 1}, 1, 0, {}),
    "performance": ({"kpi": 1}, 1, 0, {"out_of_range": 1}),
    "admin": ({"item": 1}, 1, 0, {}),
}


def test_ingest_all_counts_events_files_and_quarantine(settings):
    landing(settings)
    summary = ingest_all(settings)
    assert list(summary.sources) == list(SOURCES)
    for source, (added, loaded, skipped, quarantined) in EXPECTED.items():
        s = summary.sources[source]
        assert (s.events_added, s.files_loaded, s.files_skipped, s.quarantined) == (
            added,
            loaded,
            skipped,
            quarantined,
        )
    assert summary.events_added == 6


def test_sources_ingest_concurrently_each_under_its_own_directories(settings):
    landing(settings)
    with ThreadPoolExecutor(len(SOURCES)) as pool:
        summaries = dict(zip(SOURCES, pool.map(lambda s: ingest_source(settings, s), SOURCES), strict=True))
    for source, (added, *_rest) in EXPECTED.items():
        assert summaries[source].events_added == added
    events_dir = settings.home / "events"
    for path in (settings.home).rglob("*.parquet"):
        if path.name == "_empty.parquet" or path.parent.name in ("_files", "_watermarks"):
            continue
        source = path.name.split("-")[1]
        assert source in path.relative_to(settings.home).parts, path
    assert not list(events_dir.rglob("*.tmp"))
    assert all(ingest_source(settings, s).events_added == {} for s in SOURCES)


def test_crash_before_the_ledger_entry_reprocesses_without_duplicates(settings, monkeypatch):
    landing(settings)

    def crash(*args):
        raise RuntimeError("killed")

    monkeypatch.setattr(EventStore, "record_files", crash)
    with pytest.raises(RuntimeError):
        ingest_source(settings, "learning")
    monkeypatch.undo()
    again = ingest_source(settings, "learning")
    assert (again.events_added, again.files_loaded) == ({}, 1)
    assert len(events(settings, "learning", "points")) == 1


def test_large_sources_load_in_several_batches(settings, monkeypatch):
    monkeypatch.setattr(files, "CHUNK_BYTES", 100)
    for day in range(1, 6):
        write_lines(
            settings,
            f"learning/points_2026-03-0{day}.csv",
            [POINTS_HEADER, f"张伟,13800000001,2026-03-0{day},{day},0"],
        )
    assert ingest_source(settings, "learning").events_added == {"points": 5}
    assert len({e["batch_id"] for e in events(settings, "learning", "points")}) > 1
