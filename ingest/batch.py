"""The write protocol of one batch, implemented here once for every source (the file feeds, the
roster's snapshots, the live pages).

A batch is one group of a feed's new files (up to ``ingest.files.CHUNK_BYTES``) or one page of a
live source. :func:`load_batch` writes it in the order ``ingest/store.py`` documents, each write a
new file that appears by atomic rename:

1. reserve the batch id: ``events/_batches/<id>.started``;
2. its events: ``events/<source>/<entity>/<id>.parquet``: the feed's good records, or what its
   ``derive`` makes of them (the roster's change events);
3. its rejected records: ``quarantine/<source>/<id>.parquet``;
4. its files in the ledger: ``events/_files/<id>.parquet``;
5. commit: the batch summary ``events/_batches/<id>.json``.

Recovery: a crash before 4 leaves the files out of the ledger, so the next run loads them again in
a new batch and the store's anti-joins (event id; entity, file, position and reason of a quarantine
row) leave out what the unfinished batch wrote; a crash between 4 and 5 leaves a complete batch.
Either way the reservation stays without its summary (``core.home.orphan_batches``), and the
next writer clears it (``pioneer.pipeline.clear_leftovers``, ``pioneer doctor --repair``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ingest.files import (
    Feed,
    SourceFile,
    append_events,
    chunks,
    new_files,
    parse,
    quarantine_rejects,
    records_read,
)
from ingest.store import EventStore


@dataclass
class BatchResult:
    events: dict[str, int]
    quarantined: dict[str, int]
    batch_id: str = ""  # set for one batch, empty for a sum of batches


def load_batch(store: EventStore, feed: Feed, group: list[SourceFile], now: dt.datetime) -> BatchResult:
    """One batch of ``group`` (files, or pages of a live source), written in the protocol's order."""
    batch_id = store.new_batch(feed.source, now)
    parse(store, feed, group, now)
    if feed.derive is None:
        good = "SELECT * FROM parsed WHERE reject_reason IS NULL"
        added = append_events(store, feed.source, feed.entity, good, batch_id, now)
        events = {feed.entity: added} if added else {}
    else:
        events = feed.derive(store, feed, group, batch_id, now)
    batch = BatchResult(events, quarantine_rejects(store, feed, batch_id, now), batch_id)
    read = records_read(store, group)
    store.db.execute("DROP TABLE parsed")
    store.record_files(feed.source, feed.entity, read, batch_id, now)
    store.finish_batch(batch_id, {"source": feed.source, "files": [f.name for f in group], **batch.__dict__})
    return batch


def ingest_files(
    store: EventStore, source_dir: Path, feed: Feed, now: dt.datetime
) -> tuple[BatchResult, int, int]:
    """Load a feed's new files, one batch per chunk; returns (result, files loaded, files skipped)."""
    files, skipped = new_files(store, source_dir, feed.source, feed.pattern, per_name=feed.per_name)
    result = BatchResult({}, {})
    for group in chunks(files):
        batch = load_batch(store, feed, group, now)
        merge(result.events, batch.events)
        merge(result.quarantined, batch.quarantined)
    return result, len(files), skipped


def merge(total: dict[str, int], part: dict[str, int]) -> None:
    for k, v in part.items():
        total[k] = total.get(k, 0) + v
