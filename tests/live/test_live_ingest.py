"""The live forms end to end: API pages and SQL reads become events through the file form's
validation, with the watermark kept in the event store; re-fetching adds nothing."""

import datetime as dt

import duckdb
import pytest
from fake_meeting_api import FakeMeetingApi
from test_performance_sql import KpiTable, database, kpi  # noqa: F401  (fixtures)

from core.config import Settings
from ingest.live.load import ingest_meeting_api
from ingest.run import ingest_source
from ingest.store import EventStore

NOW = "2026-11-05T01:30:00+08:00"


def meeting(i: int, updated: str, **changes) -> dict:
    return {
        "meeting_id": f"MT{i:04d}",
        "branch_id": "B01",
        "party_group": None,
        "type": "committee",
        "title": "支委会",
        "start_time": "2026-10-09T14:00:00+08:00",
        "end_time": "2026-10-09T15:30:00+08:00",
        "status": "held",
        "due_user_ids": ["SG0000001", "SG0000002"],
        "updated_at": updated,
    } | changes


def attendance(i: int, updated: str, **changes) -> dict:
    return {
        "record_id": f"AT{i:04d}",
        "meeting_id": "MT0001",
        "user_id": "SG0000001",
        "mode": "online",
        "join_time": "2026-10-09T13:58:00+08:00",
        "leave_time": "2026-10-09T15:00:00+08:00",
        "updated_at": updated,
    } | changes


def events(home, entity: str) -> list[tuple]:
    glob = f"{home}/events/meeting/{entity}/*.parquet"
    return duckdb.sql(
        f"select natural_key, record_time, deleted from read_parquet('{glob}') order by all"
    ).fetchall()


@pytest.fixture
def api():
    records = {
        "meetings": [meeting(i, f"2026-10-10T0{i}:00:00+08:00") for i in range(1, 8)],
        "attendance": [
            attendance(1, "2026-10-10T09:00:00Z"),
            attendance(2, "2026-10-10T09:01:00Z", leave_time=None),
        ],
    }
    with FakeMeetingApi(records=records) as server:
        yield server


def settings(home, api) -> Settings:
    return Settings(
        home=home, sources=home / "none", now=NOW, meeting_api_url=api.base_url, meeting_api_token=api.token
    )


def test_pages_become_events_and_bad_records_are_quarantined_with_page_and_index(tmp_path, api):
    api.script("429", "500")  # throttled, then a server error: retried
    summary = ingest_source(settings(tmp_path, api), "meeting")
    assert summary.events_added == {"meeting": 7, "attendance": 1}
    assert summary.quarantined == {"missing_field": 1}  # online attendance without leave_time
    bad = duckdb.sql(
        f"select source_file, source_position from read_parquet('{tmp_path}/quarantine/meeting/*.parquet')"
    ).fetchall()
    assert bad == [("api:attendance:all:first", 2)]
    store = EventStore(tmp_path)
    assert store.get_watermark("meeting", "meeting") == "2026-10-10T07:00:00+08:00"
    assert store.get_watermark("meeting", "attendance") == "2026-10-10T09:01:00Z"


def test_refetching_adds_nothing_and_a_correction_adds_one_event(tmp_path, api):
    ingest_source(settings(tmp_path, api), "meeting")
    again = ingest_source(settings(tmp_path, api), "meeting")  # from the watermark: equal records again
    assert again.events_added == {}
    api.add("meetings", meeting(3, "2026-10-11T08:00:00+08:00", status="cancelled"))
    api.add("meetings", {"meeting_id": "MT0004", "updated_at": "2026-10-11T09:00:00+08:00", "deleted": True})
    corrected = ingest_source(settings(tmp_path, api), "meeting")
    assert corrected.events_added == {"meeting": 2}
    stored = events(tmp_path, "meeting")
    assert len(stored) == 9 and (("MT0004", dt.datetime(2026, 10, 11, 9), True) in stored)


def test_the_same_page_loaded_twice_adds_nothing(tmp_path, api):
    store = EventStore(tmp_path)
    first, _ = ingest_meeting_api(store, settings(tmp_path, api), dt.datetime(2026, 11, 5, 1, 30))
    store.put_watermark(
        "meeting", "meeting", "2000-01-01T00:00:00+08:00", "reset", dt.datetime(2026, 11, 5, 2)
    )
    second, pages = ingest_meeting_api(store, settings(tmp_path, api), dt.datetime(2026, 11, 5, 3))
    assert pages >= 1 and second.events.get("meeting", 0) == 0 and first.events["meeting"] == 7


def test_sql_reads_become_kpi_events_incrementally(tmp_path, kpi: KpiTable):  # noqa: F811
    noon = dt.datetime(2026, 11, 2, 12)
    kpi.put("SG0000001", "202610", "88.50", "B", noon)
    kpi.put("SG0000002", "202610", "130.00", "A", noon)  # out of range
    night = Settings(home=tmp_path, sources=tmp_path / "none", now=NOW, performance_db_url=kpi.url)
    first = ingest_source(night, "performance")
    assert first.events_added == {"kpi": 1} and first.quarantined == {"out_of_range": 1}
    assert ingest_source(night, "performance").events_added == {}  # overlap re-read: same versions
    kpi.put("SG0000001", "202610", "91.00", "A", noon + dt.timedelta(hours=5))  # HR corrects in place
    assert ingest_source(night, "performance").events_added == {"kpi": 1}
    scores = duckdb.sql(
        f"select kpi_score from read_parquet('{tmp_path}/events/performance/kpi/*.parquet') order by record_time"
    ).fetchall()
    assert [float(s) for (s,) in scores] == [88.5, 91.0]
