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
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from core.layout import Home
from ingest.connectors import Connector
from ingest.files import Feed, SourceFile, append_events, event_id, file_date, person_key_params
from ingest.holds import ensure_ledger, unused_batches_sql
from ingest.schema import sql_text
from ingest.sql_files import parse_query
from ingest.store import EventStore


@dataclass(frozen=True)
class Snapshots:
    """One kind of snapshot file (``<prefix>YYYY-MM-DD.csv``, parse SQL
    ``ingest/sql/roster/<entity>.sql``: snapshot_date, key, attributes) and the events derived
    from it."""

    entity: str
    prefix: str
    columns: tuple[str, ...]  # the CSV header's columns (named as in ``records``)
    key: str
    attributes: tuple[str, ...]
    params: dict[str, object] = field(default_factory=dict)  # of the parse SQL

    @property
    def feed(self) -> Feed:
        """The feed of these snapshots: a file is new unless loaded under the same name (each holds
        as of the date in its name), its events derived by :meth:`derive`."""
        return Feed(
            source="roster",
            entity=self.entity,
            pattern=f"{self.prefix}*.csv",
            date_prefix=self.prefix,
            columns={c: c for c in self.columns},
            parse=parse_query("roster", self.entity),
            params=self.params,
            per_name=True,
            derive=self.derive,
        )

    def derive(
        self, store: EventStore, feed: Feed, group: list[SourceFile], batch_id: str, now: dt.datetime
    ) -> dict[str, int]:
        """The batch's change events (``feed.derive``, see :func:`_derive`)."""
        dates = [(file_date(f.path, self.prefix), f.name) for f in group]
        return _derive(store, self, feed, dates, batch_id, now)


def members(phone_key: str) -> Snapshots:
    return Snapshots(
        entity="member",
        prefix="roster_",
        columns=(
            "member_id",
            "employee_no",
            "name",
            "gender",
            "phone",
            "branch_id",
            "party_group",
            "status",
            "status_since",
        ),
        key="member_id",
        attributes=(
            "employee_no",
            "name",
            "gender",
            "person_key",
            "branch_id",
            "party_group",
            "status",
            "status_since",
        ),
        params=person_key_params(phone_key),
    )


BRANCHES = Snapshots(
    entity="branch",
    prefix="branches_",
    columns=("branch_id", "branch_name", "department_id", "department_name"),
    key="branch_id",
    attributes=("branch_name", "department_id", "department_name"),
)

# member snapshots before branch snapshots, each in date order
CONNECTOR = Connector("roster", feeds=lambda settings: [members(settings.phone_key).feed, BRANCHES.feed])


def _stored_dates(store: EventStore, feed: Feed) -> list[tuple[dt.date, str]]:
    """The stored snapshots of ``feed`` that count: files loaded by a batch that is not held."""
    ensure_ledger(store.home)
    names = store.db.execute(
        f"SELECT DISTINCT file_name FROM read_parquet({sql_text(str(Home(store.home).files_ledger / '*.parquet'))}) "
        f"WHERE source = 'roster' AND starts_with(file_name, ?) AND batch_id NOT IN ({unused_batches_sql(store.home)})",
        [feed.date_prefix],
    ).fetchall()
    return [(file_date(Path(name), feed.date_prefix), name) for (name,) in names]


def _derive(
    store: EventStore,
    snapshots: Snapshots,
    feed: Feed,
    dates: list[tuple[dt.date, str]],
    batch_id: str,
    now: dt.datetime,
) -> dict[str, int]:
    """Append the change events of the snapshots in ``parsed`` (dated ``dates``) and of the stored
    snapshot following each of them; for members also one ``snapshot`` event per new date."""
    db, key, attrs = store.db, snapshots.key, snapshots.attributes
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
