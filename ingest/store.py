"""The append-only event store (layout and schemas in :mod:`ingest.schema`).

Every write is a new parquet file that appears by atomic rename and is never
rewritten or deleted, so readers (dbt, analysts) scan immutable files and never
block the writer. Each source writes only under its own directories and names
its files after its own batch ids, so the ingest tasks of different sources may
run concurrently.

Write order of one batch: reservation, events, quarantine, files ledger, batch
summary (:func:`ingest.batch.load_batch`, the one implementation). A crash in
between re-processes the files on the next run and the event-id anti-join keeps
the store free of duplicates; the reservation left without its summary
(``core.home.orphan_batches``) is cleared by the next writer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from core.config import SHANGHAI
from core.layout import Home
from ingest.errors import StoreFormatError
from ingest.schema import (
    ENTITIES,
    FILES_LEDGER,
    HOLDS,
    QUARANTINE,
    SOURCES,
    STORE_FORMAT,
    WATERMARKS,
    entity_schema,
    sql_text,
    typed_columns,
)
from ingest.sql_files import read

Relation = pa.Table | duckdb.DuckDBPyRelation


def shanghai_local(now: dt.datetime) -> dt.datetime:
    """``now`` as naive Asia/Shanghai local time (the store's time convention)."""
    return now.astimezone(SHANGHAI).replace(tzinfo=None) if now.tzinfo else now


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def strict_json_object(text: str) -> bool:
    """Whether ``text`` is one JSON object by RFC 8259, for the parse SQL: DuckDB's own reader
    also takes trailing commas and NaN/Infinity, which are ``bad_json`` by the spec."""
    try:
        return isinstance(json.loads(text, parse_constant=_no_constant), dict)
    except ValueError:
        return False


def store_format(home: Path) -> int | None:
    """The format of the home's event store: the version its format file names; 1 for a store
    written before the format was recorded (it has batches); None for a home without events."""
    layout = Home(home)
    if layout.store_format.exists():
        return int(layout.store_format.read_text().strip())
    return 1 if layout.batches.is_dir() and any(layout.batches.iterdir()) else None


def check_store_format(home: Path) -> None:
    """StoreFormatError unless the home's event store is of this code's format (or has no events)."""
    found = store_format(home)
    if found is not None and found != STORE_FORMAT:
        todo = (
            f"run `pioneer migrate --home {home}` to rewrite it to format {STORE_FORMAT}, then run again"
            if found < STORE_FORMAT
            else "it was written by a newer version of the pipeline; run that version"
        )
        raise StoreFormatError(
            f"the event store of {home} is of format {found}, this version reads format {STORE_FORMAT}: {todo}"
        )


def write_store_format(home: Path) -> None:
    """Record that the home's event store is of this code's format (atomic)."""
    path = Home(home).store_format
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w") as stream:
        stream.write(f"{STORE_FORMAT}\n")
    os.rename(tmp, path)


class EventStore:
    """The store under ``home``. ``db`` is an in-memory DuckDB session (time zone Asia/Shanghai,
    with the parse SQL's helpers, ``ingest/sql/macros.sql``) in which connectors build the
    relations they pass to :meth:`append`. A home of another store format is refused
    (:func:`check_store_format`); a new one is recorded as of this format."""

    def __init__(self, home: Path):
        self.home = Path(home)
        check_store_format(self.home)
        self.events_dir = Home(self.home).events
        self.quarantine_dir = Home(self.home).quarantine
        self.db = duckdb.connect()
        self.db.execute("SET TimeZone = 'Asia/Shanghai'")
        self.db.create_function("strict_json_object", strict_json_object, ["VARCHAR"], "BOOLEAN")
        self.db.execute(read("macros.sql"))
        self._create_layout()

    # ---- layout -------------------------------------------------------------------------

    def entity_dir(self, source: str, entity: str) -> Path:
        return Home(self.home).entity(source, entity)

    def entity_glob(self, source: str, entity: str) -> str:
        """Glob of every parquet file of one entity (never empty: ``_empty.parquet``)."""
        return str(self.entity_dir(source, entity) / "*.parquet")

    def _create_layout(self) -> None:
        empties = {self.entity_dir(s, e): entity_schema(s, e) for s, e in ENTITIES}
        empties |= {self.quarantine_dir / s: QUARANTINE for s in SOURCES}
        empties[Home(self.home).files_ledger] = FILES_LEDGER
        empties[Home(self.home).watermarks] = WATERMARKS
        empties[Home(self.home).holds] = HOLDS  # held deliveries (ingest/holds.py)
        for directory, schema in empties.items():
            directory.mkdir(parents=True, exist_ok=True)
            if not (directory / "_empty.parquet").exists():
                self._write_atomic(schema.empty_table(), directory / "_empty.parquet", exclusive=True)
        Home(self.home).batches.mkdir(exist_ok=True)
        if not Home(self.home).store_format.exists():
            write_store_format(self.home)

    @staticmethod
    def _write_atomic(table: pa.Table, path: Path, exclusive: bool = False) -> None:
        """Write to a temp name, then move into place; ``exclusive``: keep a file already there."""
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        pq.write_table(table, tmp)
        if not exclusive:
            os.rename(tmp, path)
            return
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # fails instead of replacing
        os.unlink(tmp)

    # ---- batches --------------------------------------------------------------------------

    def new_batch(self, source: str, now: dt.datetime) -> str:
        """Reserve a unique batch id ``<now YYYYmmddTHHMMSS>-<source>-<nnn>`` (atomic create)."""
        stamp = now.strftime("%Y%m%dT%H%M%S")
        n = 1
        while True:
            batch_id = f"{stamp}-{source}-{n:03d}"
            try:
                fd = os.open(Home(self.home).batches / f"{batch_id}.started", os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                n += 1
                continue
            os.close(fd)
            return batch_id

    def finish_batch(self, batch_id: str, summary: dict) -> None:
        """Write the batch summary, last of a batch's files: the batch is finished."""
        path = Home(self.home).batches / f"{batch_id}.json"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps({"batch_id": batch_id, **summary}, ensure_ascii=False, default=str))
        os.rename(tmp, path)

    # ---- events -----------------------------------------------------------------------------

    def append(
        self, source: str, entity: str, events: Relation, batch_id: str, ids_cover_record_time: bool = False
    ) -> int:
        """Append one batch's events of one entity; returns how many were new.

        ``events`` (an Arrow table, or a relation of :attr:`db`) has the columns of
        :func:`ingest.schema.entity_schema`; extra columns are ignored. Events whose
        ``event_id`` is already stored are left out, and of events repeated within the
        batch the first (by ``source_file``, ``source_position``) is kept.

        ``ids_cover_record_time``: the caller's ids hash the record time (as
        :func:`ingest.files.event_id` does), so equal ids have equal record times and the
        anti-join reads only stored events within the batch's record-time range (parquet
        row-group statistics skip the rest): a batch of new days reads almost no stored ids,
        where reading every stored id made each batch slower and larger as the store grew.
        """
        columns = typed_columns(entity_schema(source, entity))
        self._stage(events)
        # distinct hashes prove distinct ids; otherwise keep the first row of each id
        rows, hashes, first, last, untimed = self.db.execute(
            "SELECT count(*), count(DISTINCT hash(event_id)), min(record_time), max(record_time),"
            " count(*) - count(record_time) FROM batch"
        ).fetchone()
        stored = f"read_parquet({sql_text(self.entity_glob(source, entity))})"
        if ids_cover_record_time and rows and not untimed:
            stored = f"(SELECT event_id FROM {stored} WHERE record_time BETWEEN TIMESTAMP '{first}' AND TIMESTAMP '{last}')"
        first_of_each = (
            ""
            if hashes == rows
            else "QUALIFY row_number() OVER (PARTITION BY b.event_id ORDER BY b.source_file, b.source_position) = 1"
        )
        added = self._copy_new(
            f"""SELECT {columns} FROM batch b
                ANTI JOIN {stored} s USING (event_id)
                {first_of_each}""",
            self.entity_dir(source, entity) / f"{batch_id}.parquet",
        )
        self._unstage()
        return added

    def append_quarantine(self, source: str, rows: Relation, batch_id: str) -> int:
        """Append rejected rows (columns of ``QUARANTINE``), leaving out rows already quarantined
        for the same entity, file, position and reason. Returns how many were new."""
        columns = typed_columns(QUARANTINE)
        glob = sql_text(str(self.quarantine_dir / source / "*.parquet"))
        self._stage(rows)
        added = self._copy_new(
            f"""SELECT DISTINCT ON (b.entity, b.source_file, b.source_position, b.reason) {columns}
                FROM batch b ANTI JOIN read_parquet({glob}) s USING (entity, source_file, source_position, reason)""",
            self.quarantine_dir / source / f"{batch_id}.parquet",
        )
        self._unstage()
        return added

    def _stage(self, batch: Relation) -> None:
        """Make ``batch`` readable as the view ``batch``."""
        if isinstance(batch, duckdb.DuckDBPyRelation):
            batch.create_view("batch", replace=True)
        else:
            self.db.register("batch", batch)

    def _unstage(self) -> None:
        self.db.execute("DROP VIEW batch")

    def _copy_new(self, query: str, path: Path) -> int:
        """Write ``query`` to ``path`` (atomic); no file when it has no rows."""
        tmp = path.with_name(f".{path.name}.tmp")
        written = self.db.execute(
            f"COPY ({query}) TO {sql_text(str(tmp))} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)"
        ).fetchone()[0]
        if written:
            os.rename(tmp, path)
        else:
            tmp.unlink()
        return written

    # ---- files ledger -------------------------------------------------------------------------

    def loaded_files(self, source: str) -> set[tuple[str, str]]:
        """``(sha256, file_name)`` of every file of ``source`` already loaded."""
        rows = self.db.execute(
            f"SELECT sha256, file_name FROM read_parquet({sql_text(str(Home(self.home).files_ledger / '*.parquet'))}) "
            "WHERE source = ?",
            [source],
        ).fetchall()
        return set(rows)

    def record_files(
        self, source: str, entity: str, files: list[tuple[str, str, int]], batch_id: str, now: dt.datetime
    ) -> None:
        """Record files ``(sha256, file_name, rows)`` of one feed (``entity``) as loaded; call after
        their events are written."""
        if not files:
            return
        sha, names, rows = zip(*files, strict=True)
        recorded_at = shanghai_local(now)
        table = pa.table(
            {
                "sha256": list(sha),
                "source": [source] * len(files),
                "file_name": list(names),
                "batch_id": [batch_id] * len(files),
                "recorded_at": [recorded_at] * len(files),
                "rows": list(rows),
                "entity": [entity] * len(files),
            },
            schema=FILES_LEDGER,
        )
        self._write_atomic(table, Home(self.home).files_ledger / f"{batch_id}.parquet")

    # ---- watermarks (live connectors) ----------------------------------------------------------

    def get_watermark(self, source: str, entity: str) -> str | None:
        """The last watermark put for ``(source, entity)``, or None before the first one."""
        row = self.db.execute(
            f"SELECT watermark FROM read_parquet({sql_text(str(Home(self.home).watermarks / '*.parquet'))}) "
            "WHERE source = ? AND entity = ? ORDER BY recorded_at DESC, length(batch_id) DESC, batch_id DESC LIMIT 1",
            [source, entity],
        ).fetchall()
        return row[0][0] if row else None

    def put_watermark(
        self, source: str, entity: str, watermark: str, batch_id: str, now: dt.datetime
    ) -> None:
        """Record ``watermark`` (opaque text, e.g. the max ``updated_at`` seen, ISO 8601) for
        ``(source, entity)``. Put it after the batch's events are appended."""
        table = pa.table(
            {
                "source": [source],
                "entity": [entity],
                "watermark": [watermark],
                "batch_id": [batch_id],
                "recorded_at": [shanghai_local(now)],
            },
            schema=WATERMARKS,
        )
        self._write_atomic(table, Home(self.home).watermarks / f"{batch_id}-{entity}.parquet")
