"""Held deliveries: a delivery whose source gate failed stays out of the marts until released.

A delivery is what one run added from one feed: one entity of one source (docs/outputs.md, "Gates
judge by the spec"). When its source gate fails, the run stops (exit 3) and every batch of that
delivery is recorded ``held`` here with the gate's message (a delivery spans one batch per 64 MB
chunk of its files; a roster member batch also carries that snapshot's ``snapshot`` events). The
store is append-only, so the events stay where they are; what changes is whether they are
*used*. The events of a batch whose state is ``held`` or ``replaced`` are used by nothing:

- dbt reads every event through the sources' ``external_location`` in
  ``dbt_project/models/staging/_sources.yml``, which leaves those batches out (the same rule as
  :func:`unused_batches_sql`): the marts, the HR exports, the incremental bookkeeping;
- the roster derivation (``ingest/roster.py``) does not count them as the stored roster state;
- the PostgreSQL mirror (``pioneer/pg_events.py``) does not copy them.

A later night's gate looks only at what that night added, so a held delivery never fails the
nights after it: they publish without it. ``pioneer run`` and ``pioneer status`` list what is
held. A held batch is released in one of two ways:

- **accepted**: ``pioneer accept --batch ID`` (the operator has looked and the delivery is right
  as it is): its events count from the next run on, which rebuilds the months they touch (the
  previous build did not read the batch). Its quarantined rows stay quarantined.
- **replaced** by a corrected delivery: when *every* file of the held batch has been delivered
  again under the same name (with new bytes: a byte-identical copy is skipped by ingest) by later
  deliveries of the same source and entity that passed their gate, the held batch becomes
  ``replaced`` (:func:`replace_corrected`, after each passing source gate). Its events then stay
  unused forever, kept for audit. A batch corrected only in part stays held (accept it to use its
  other files). Pages of a live source (``api:``/``sql:``) are never "delivered again" (their
  names repeat with other records): a held live delivery is released only by ``accept``.

The ledger is append-only like the rest of the store: ``HOME/events/_holds/*.parquet``
(schema ``ingest.schema.HOLDS``, with an ``_empty.parquet``), one file per decision, named
``<clock>-<source>-<state>-<nnn>.parquet`` and created exclusively. The latest row of a batch is
its state: latest ``recorded_at`` (the decision's clock), and at the same instant a decision
(accepted, replaced) before a hold.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from core.config import SHANGHAI
from core.layout import Home
from ingest.schema import HOLDS, sql_text

GATE = "source gate"
LIVE_PAGES = ("api:", "sql:")


class NotHeld(ValueError):
    """``accept`` of a batch that is not held (unknown, already accepted or replaced): exit 2."""


def _local(now: dt.datetime) -> dt.datetime:
    """``now`` as naive Asia/Shanghai local time (the store's time convention)."""
    return now.astimezone(SHANGHAI).replace(tzinfo=None) if now.tzinfo else now


def latest_sql(home: Path) -> str:
    """The latest row of every batch in the ledger (its state); the home must hold the ledger."""
    glob = sql_text(f"{Home(home).holds}/*.parquet")
    return (
        f"select * from read_parquet({glob}, union_by_name=true) where batch_id is not null "
        "qualify row_number() over (partition by batch_id order by recorded_at desc, state = 'held') = 1"
    )


def unused_batches_sql(home: Path) -> str:
    """Batch ids whose events are used by nothing (held or replaced). The dbt sources repeat this
    rule in SQL (``_sources.yml``); tests/ingest/test_holds.py checks that both agree."""
    return f"select batch_id from ({latest_sql(home)}) where state <> 'accepted'"


def ensure_ledger(home: Path) -> None:
    """Give the ledger its ``_empty.parquet`` (as ``EventStore`` does) when it has none, so that the
    dbt sources' glob matches in a home made before the ledger existed."""
    empty = Home(home).holds / "_empty.parquet"
    if not empty.exists():
        empty.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="._empty.parquet.", suffix=".tmp", dir=empty.parent)
        os.close(fd)
        pq.write_table(HOLDS.empty_table(), tmp)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, empty)
        os.unlink(tmp)


def _has_ledger(home: Path) -> bool:
    return any(Home(home).holds.glob("*.parquet"))


def states(home: Path) -> dict[str, dict]:
    """The latest row of every batch ever held, by batch id (empty for a home without a ledger)."""
    if not _has_ledger(home):
        return {}
    with duckdb.connect() as con:
        cursor = con.execute(latest_sql(home) + " order by recorded_at, batch_id")
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    return {row["batch_id"]: row for row in rows}


def unused_batch_ids(home: Path) -> set[str]:
    """Batches whose events are not used (held or replaced)."""
    return {b for b, row in states(home).items() if row["state"] != "accepted"}


def held(home: Path) -> list[dict]:
    """The deliveries held now, one entry per batch, oldest first: batch id, source, entity, its
    files, since when (the clock of the run whose gate failed, ISO 8601) and the gate's message."""
    return [
        {
            "batch_id": row["batch_id"],
            "source": row["source"],
            "entity": row["entity"],
            "files": list(row["files"] or []),
            "since": row["recorded_at"].replace(tzinfo=SHANGHAI).isoformat(),
            "reason": row["reason"],
        }
        for row in states(home).values()
        if row["state"] == "held"
    ]


def _decision(row: dict) -> dict:
    """A ledger row as the stages return it (plain values: it goes into run records and XComs)."""
    return {k: row[k] for k in ("batch_id", "source", "entity", "files", "reason", "by")}


def _record(home: Path, rows: list[dict], state: str, now: dt.datetime) -> None:
    """Append one decision (``rows``: batch_id, source, entity, files, reason, by) as a new file."""
    if not rows:
        return
    folder = Home(home).holds
    folder.mkdir(parents=True, exist_ok=True)
    recorded_at = _local(now)
    table = pa.table(
        {
            "batch_id": [r["batch_id"] for r in rows],
            "source": [r["source"] for r in rows],
            "entity": [r["entity"] for r in rows],
            "files": [list(r["files"]) for r in rows],
            "state": [state] * len(rows),
            "reason": [r.get("reason") for r in rows],
            "recorded_at": [recorded_at] * len(rows),
            "by": [r.get("by") for r in rows],
        },
        schema=HOLDS,
    )
    fd, tmp = tempfile.mkstemp(prefix=".hold.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        stem = f"{recorded_at:%Y%m%dT%H%M%S}-{rows[0]['source']}-{state}"
        for n in range(1, 100_000):
            with contextlib.suppress(FileExistsError):
                os.link(tmp, folder / f"{stem}-{n:03d}.parquet")  # never replaces a decision
                return
        raise RuntimeError(f"no free name for a decision in {folder}")
    finally:
        os.unlink(tmp)


def hold(
    home: Path, source: str, entity: str, batches: dict[str, list[str]], reason: str, now: dt.datetime
) -> list[dict]:
    """Record the batches of a delivery whose gate failed as ``held`` (``batches``: id → files)."""
    rows = [
        {"batch_id": b, "source": source, "entity": entity, "files": files, "reason": reason, "by": GATE}
        for b, files in sorted(batches.items())
    ]
    _record(home, rows, "held", now)
    return rows


def accept(home: Path, batch_ids: list[str], by: str, now: dt.datetime) -> list[dict]:
    """Accept held batches (``pioneer accept``): their events count from the next build on.
    Raises NotHeld, recording nothing, when one of them is not held."""
    current = states(home)
    for batch_id in batch_ids:
        state = current.get(batch_id, {}).get("state")
        if state != "held":
            why = "no held delivery has that batch id" if state is None else f"its delivery is {state}"
            listed = ", ".join(b for b, row in current.items() if row["state"] == "held") or "none"
            raise NotHeld(f"batch {batch_id} is not held ({why}); held now: {listed}")
    rows = [
        _decision(current[b] | {"reason": f"accepted by {by}; held for: {current[b]['reason']}", "by": by})
        for b in dict.fromkeys(batch_ids)
    ]
    _record(home, rows, "accepted", now)
    return rows


def replace_corrected(home: Path, source: str, now: dt.datetime) -> list[dict]:
    """Mark ``replaced`` every held batch of ``source`` each of whose files has been delivered
    again, under the same name, by a later batch of the same source and entity that is used (its
    gate passed, or it was accepted). Call after ``source``'s gate passed; returns what it
    replaced."""
    current = states(home)
    candidates = [
        row
        for row in current.values()
        if row["state"] == "held"
        and row["source"] == source
        and row["files"]
        and not any(f.startswith(LIVE_PAGES) for f in row["files"])
    ]
    if not candidates:
        return []
    unused = {b for b, row in current.items() if row["state"] != "accepted"}
    with duckdb.connect() as con:
        delivered = con.execute(
            f"select entity, file_name, batch_id, recorded_at "
            f"from read_parquet({sql_text(f'{Home(home).files_ledger}/*.parquet')}, union_by_name=true) "
            "where source = ?",
            [source],
        ).fetchall()
    replaced = []
    for row in candidates:
        later: dict[str, set[str]] = {}  # file name → the used batches delivering it since the hold
        for entity, name, batch_id, recorded_at in delivered:
            if (
                entity == row["entity"]
                and batch_id not in unused
                and batch_id != row["batch_id"]
                and recorded_at > row["recorded_at"]
            ):
                later.setdefault(name, set()).add(batch_id)
        if all(name in later for name in row["files"]):
            by = sorted(set().union(*(later[name] for name in row["files"])))
            replaced.append(
                _decision(
                    row
                    | {
                        "reason": f"{', '.join(row['files'])} delivered again by batch {', '.join(by)}; "
                        f"held for: {row['reason']}",
                        "by": ", ".join(by),
                    }
                )
            )
    _record(home, replaced, "replaced", now)
    return replaced
