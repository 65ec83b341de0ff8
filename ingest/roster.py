"""Roster (党员信息系统): daily full snapshots, turned into change events.

Each new snapshot file is compared with the state as of the previous snapshot date (a new
file of this run, or the store's replay); persons or branches that differ get an event
effective on the snapshot date carrying their full attributes (``present = false`` when
absent from it). A snapshot dated between two already loaded also re-derives the next
snapshot against it. So replaying, per person, the latest event with ``effective_date ≤ D``
(ties: latest ``recorded_at``, then ``batch_id``) gives exactly the latest snapshot on or
before D. Change kinds, first that applies: joined, left, status_changed, transferred
(branch changed), changed (another attribute).

The stored state is that of the used events only: a held snapshot (its gate failed,
``ingest/holds.py``) is neither a stored snapshot date nor part of the state, so the next
snapshot's changes are derived against the last snapshot that counts (else a held snapshot's
changes would vanish once the next snapshot repeats them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ingest.files import (
    BatchResult,
    Feed,
    append_events,
    chunks,
    event_id,
    file_date,
    merge,
    new_files,
    parse,
    person_key_sql,
    quarantine_rejects,
    records_read,
)
from ingest.holds import ensure_ledger, unused_batches_sql
from ingest.schema import sql_set, sql_text
from ingest.store import EventStore

DATE = "TRY_CAST(TRY_STRPTIME({}, ['%Y-%m-%d', '%Y/%m/%d']) AS DATE)"


@dataclass(frozen=True)
class Snapshots:
    """One kind of snapshot file and the events derived from it."""

    feed: Feed  # parse yields snapshot_date, key, attributes
    key: str
    attributes: tuple[str, ...]


def members(phone_key: str) -> Snapshots:
    columns = (
        "member_id",
        "employee_no",
        "name",
        "gender",
        "phone",
        "branch_id",
        "party_group",
        "status",
        "status_since",
    )
    feed = Feed(
        source="roster",
        entity="member",
        pattern="roster_*.csv",
        date_prefix="roster_",
        columns={c: c for c in columns},
        parse=f"""
        SELECT source_file, source_position, raw, file_date AS snapshot_date, member_id, employee_no, name, gender,
            person_key, branch_id, party_group, status, status_since,
            CASE
                WHEN member_id IS NULL OR employee_no IS NULL OR branch_id IS NULL OR status IS NULL THEN 'missing_field'
                WHEN status NOT IN {sql_set("roster", "member", "status")}
                     OR gender NOT IN {sql_set("roster", "member", "gender")} THEN 'bad_enum'
                WHEN since_text IS NOT NULL AND status_since IS NULL THEN 'bad_date'
            END AS reject_reason,
            NULL::VARCHAR AS detail
        FROM (SELECT * REPLACE ({DATE.format("status_since")} AS status_since), status_since AS since_text,
                     CASE WHEN phone IS NOT NULL THEN {person_key_sql("phone", phone_key)} END AS person_key
              FROM records)
        """,
    )
    return Snapshots(
        feed,
        "member_id",
        ("employee_no", "name", "gender", "person_key", "branch_id", "party_group", "status", "status_since"),
    )


BRANCHES = Snapshots(
    Feed(
        source="roster",
        entity="branch",
        pattern="branches_*.csv",
        date_prefix="branches_",
        columns={c: c for c in ("branch_id", "branch_name", "department_id", "department_name")},
        parse="""
        SELECT source_file, source_position, raw, file_date AS snapshot_date, branch_id, branch_name, department_id,
            department_name,
            CASE WHEN branch_id IS NULL OR department_id IS NULL THEN 'missing_field' END AS reject_reason,
            NULL::VARCHAR AS detail
        FROM records
        """,
    ),
    "branch_id",
    ("branch_name", "department_id", "department_name"),
)


def ingest(
    store: EventStore, source_dir: Path, phone_key: str, now: dt.datetime
) -> tuple[BatchResult, int, int]:
    """Load new roster and branch snapshots (in date order) as change events;
    returns (result, files loaded, files skipped)."""
    result, loaded, skipped = BatchResult({}, {}), 0, 0
    for snapshots in (members(phone_key), BRANCHES):
        feed = snapshots.feed
        files, skipped_here = new_files(store, source_dir, "roster", feed.pattern, per_name=True)
        loaded, skipped = loaded + len(files), skipped + skipped_here
        for group in chunks(files):
            batch_id = store.new_batch("roster", now)
            parse(store, feed, group, with_ids=False)
            quarantined = quarantine_rejects(store, feed, batch_id, now)
            added = _derive(
                store,
                snapshots,
                [(file_date(f.path, feed.date_prefix), f.name) for f in group],
                batch_id,
                now,
            )
            read = records_read(store, group)
            store.db.execute("DROP TABLE parsed")
            store.record_files("roster", feed.entity, read, batch_id, now)
            store.finish_batch(
                batch_id,
                {
                    "source": "roster",
                    "files": [f.name for f in group],
                    "events": added,
                    "quarantined": quarantined,
                },
            )
            merge(result.events, added)
            merge(result.quarantined, quarantined)
    return result, loaded, skipped


def _stored_dates(store: EventStore, feed: Feed) -> list[tuple[dt.date, str]]:
    """The stored snapshots of ``feed`` that count: files loaded by a batch that is not held."""
    ensure_ledger(store.home)
    names = store.db.execute(
        f"SELECT DISTINCT file_name FROM read_parquet({sql_text(str(store.events_dir / '_files' / '*.parquet'))}) "
        f"WHERE source = 'roster' AND starts_with(file_name, ?) AND batch_id NOT IN ({unused_batches_sql(store.home)})",
        [feed.date_prefix],
    ).fetchall()
    return [(file_date(Path(name), feed.date_prefix), name) for (name,) in names]


def _derive(
    store: EventStore, snapshots: Snapshots, dates: list[tuple[dt.date, str]], batch_id: str, now: dt.datetime
) -> dict[str, int]:
    """Append the change events of the snapshots in ``parsed`` (dated ``dates``) and of the stored
    snapshot following each of them; for members also one ``snapshot`` event per new date."""
    db, feed, key, attrs = store.db, snapshots.feed, snapshots.key, snapshots.attributes
    new = {d: name for d, name in dates}
    timeline = {d: name for d, name in _stored_dates(store, feed) if d not in new} | new
    ordered = sorted(timeline)
    db.register(
        "timeline",
        pa.table(
            {
                "snapshot_date": pa.array(ordered, pa.date32()),
                "snapshot_file": [timeline[d] for d in ordered],
                "is_new": [d in new for d in ordered],
            }
        ),
    )
    columns = ", ".join((key, *attrs))
    db.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE targets AS  -- snapshots to diff against their previous one
        SELECT * FROM (SELECT *, lag(snapshot_date) OVER w AS prev_date, lag(is_new) OVER w AS prev_is_new
                       FROM timeline WINDOW w AS (ORDER BY snapshot_date))
        WHERE is_new OR prev_is_new;

        CREATE OR REPLACE TEMP TABLE state AS
        SELECT snapshot_date, {columns}, source_file, source_position, raw FROM parsed WHERE reject_reason IS NULL
        QUALIFY row_number() OVER (PARTITION BY snapshot_date, {key} ORDER BY source_position DESC) = 1
        UNION ALL
        SELECT snapshot_date, {columns}, source_file, source_position, raw FROM (
            SELECT x.snapshot_date, e.*
            FROM (SELECT prev_date AS snapshot_date FROM targets WHERE NOT prev_is_new
                  UNION SELECT snapshot_date FROM targets WHERE NOT is_new) x
            JOIN (SELECT * FROM read_parquet({sql_text(store.entity_glob("roster", feed.entity))})
                  WHERE batch_id NOT IN ({unused_batches_sql(store.home)})) e ON e.effective_date <= x.snapshot_date
            QUALIFY row_number() OVER (PARTITION BY x.snapshot_date, e.{key}
                                       ORDER BY e.effective_date DESC, e.recorded_at DESC, e.batch_id DESC) = 1)
        WHERE present;
        """
    )
    kept = ", ".join(f"CASE WHEN cur.{key} IS NULL THEN prv.{a} ELSE cur.{a} END AS {a}" for a in attrs)
    differs = " OR ".join(f"cur.{a} IS DISTINCT FROM prv.{a}" for a in attrs)
    change_kind = (
        f"""CASE WHEN prv.{key} IS NULL THEN 'joined' WHEN cur.{key} IS NULL THEN 'left'
                 WHEN cur.status IS DISTINCT FROM prv.status THEN 'status_changed'
                 WHEN cur.branch_id IS DISTINCT FROM prv.branch_id THEN 'transferred' ELSE 'changed' END AS change_kind,"""
        if feed.entity == "member"
        else ""
    )
    changes = f"""
        WITH cur AS (SELECT s.* FROM state s JOIN targets USING (snapshot_date)),
             prv AS (SELECT t.snapshot_date AS target_date, s.* EXCLUDE (snapshot_date)
                     FROM targets t JOIN state s ON s.snapshot_date = t.prev_date)
        SELECT coalesce(cur.{key}, prv.{key}) AS {key}, t.snapshot_date AS effective_date, {change_kind}
            cur.{key} IS NOT NULL AS present, {kept},
            coalesce(cur.{key}, prv.{key}) AS natural_key, CAST(t.snapshot_date AS TIMESTAMP) AS record_time,
            false AS deleted, coalesce(cur.source_file, t.snapshot_file) AS source_file,
            coalesce(cur.source_position, 0) AS source_position, cur.raw
        FROM cur FULL JOIN prv ON cur.snapshot_date = prv.target_date AND cur.{key} = prv.{key}
        JOIN targets t ON t.snapshot_date = coalesce(cur.snapshot_date, prv.target_date)
        WHERE prv.{key} IS NULL OR cur.{key} IS NULL OR {differs}
    """
    added = {
        feed.entity: append_events(
            store, "roster", feed.entity, _with_id(feed.entity, changes), batch_id, now
        )
    }
    if feed.entity == "member":
        snapshot_events = """
            SELECT t.snapshot_date, count(s.snapshot_date) AS persons, CAST(t.snapshot_date AS VARCHAR) AS natural_key,
                CAST(t.snapshot_date AS TIMESTAMP) AS record_time, false AS deleted, t.snapshot_file AS source_file,
                1 AS source_position, NULL AS raw
            FROM timeline t LEFT JOIN state s USING (snapshot_date) WHERE t.is_new GROUP BY ALL
        """
        added["snapshot"] = append_events(
            store, "roster", "snapshot", _with_id("snapshot", snapshot_events), batch_id, now
        )
    db.execute("DROP TABLE targets; DROP TABLE state")
    db.unregister("timeline")
    return {entity: n for entity, n in added.items() if n}


def _with_id(entity: str, rows: str) -> str:
    return f"SELECT {event_id('roster', entity)} AS event_id, * FROM ({rows})"
