"""The PostgreSQL mirror of the event store: types, arrays, nulls, and each file copied once."""

import datetime as dt
import uuid

import psycopg2
import pyarrow as pa
import pytest

from ingest.schema import entity_schema
from ingest.store import EventStore
from pioneer.pg_events import mirror_events

ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@pytest.fixture
def pg_dsn():
    name = f"pioneer_mirror_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg2.connect(ADMIN_DSN)
    except psycopg2.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable: {error}")
    admin.autocommit = True
    admin.cursor().execute(f"create database {name}")
    yield f"host=127.0.0.1 port=5432 user=postgres dbname={name}"
    admin.cursor().execute(f"drop database {name} with (force)")
    admin.close()


def meeting_events(n: int, batch: str) -> pa.Table:
    schema = entity_schema("meeting", "meeting")
    now = dt.datetime(2026, 11, 6, 1, 30)
    rows = {
        "event_id": [f"{batch}-{i}" for i in range(n)],
        "source": ["meeting"] * n,
        "entity": ["meeting"] * n,
        "natural_key": [f"MT{i}" for i in range(n)],
        "record_time": [now] * n,
        "recorded_at": [now] * n,
        "batch_id": [batch] * n,
        "source_file": ["meetings_2026-10.jsonl"] * n,
        "source_position": list(range(1, n + 1)),
        "deleted": [False] * n,
        "raw": ['{"title": "支委会, \\"十月\\""}'] * n,
        "meeting_id": [f"MT{i}" for i in range(n)],
        "branch_id": ["B01"] * n,
        "party_group": [None] + [""] * (n - 1),
        "type": ["committee"] * n,
        "title": ['支委会, "十月"'] * n,
        "start_time": [now] * n,
        "end_time": [now] * n,
        "status": ["held"] * n,
        "due_user_ids": [["SG0000001", 'odd"one'], None] + [[]] * (n - 2),
        "updated_at": [now] * n,
    }
    return pa.table(rows, schema=schema)


def test_mirror_copies_each_file_once_with_types_arrays_and_nulls(tmp_path, pg_dsn):
    store = EventStore(tmp_path)
    store.append("meeting", "meeting", meeting_events(3, "b1"), "b1")
    assert mirror_events(tmp_path, pg_dsn) == {"events.meeting_meeting": 3}
    assert mirror_events(tmp_path, pg_dsn) == {}  # nothing new
    store.append("meeting", "meeting", meeting_events(5, "b2"), "b2")
    assert mirror_events(tmp_path, pg_dsn) == {"events.meeting_meeting": 5}
    with psycopg2.connect(pg_dsn) as pg, pg.cursor() as cur:
        cur.execute(
            "select due_user_ids, party_group, title, raw, start_time from events.meeting_meeting "
            "where event_id like 'b1-%' order by source_position"
        )
        first, second, third = cur.fetchall()
        assert first[0] == ["SG0000001", 'odd"one'] and first[1] is None
        assert second[0] is None and second[1] == ""
        assert (
            third[0] == [] and third[2] == '支委会, "十月"' and third[3] == '{"title": "支委会, \\"十月\\""}'
        )
        assert first[4] == dt.datetime(2026, 11, 6, 1, 30)
        cur.execute("select count(*) from events.learning_points")  # every entity has its table
        assert cur.fetchone()[0] == 0
        cur.execute(
            "select data_type from information_schema.columns where table_name = 'performance_kpi' and column_name = 'kpi_score'"
        )
        assert cur.fetchone()[0] == "numeric"
