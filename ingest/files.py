"""What every file connector shares: decoding, reading a file's records (JSON lines, or CSV
rows by the ``csv`` module), the keyed phone hash, and turning a feed's parsed rows into
events and quarantine rows (written batch by batch by :mod:`ingest.batch`).

A feed's parse SQL (``ingest/sql/<source>/<entity>.sql``, :mod:`ingest.sql_files`) reads the table ``records`` (one row per non-blank data record:
``source_file, file_date, source_position, raw`` and, for CSV, one VARCHAR column per
listed header column, blank → NULL; a CSV record may span lines: ``source_position`` is the
line it starts on, ``raw`` all its lines) and returns, per record, the entity's typed columns plus
``source_file, source_position, raw, reject_reason, detail, natural_key, record_time, deleted``.
``reject_reason`` (a quarantine reason code) NULL means the record is a good event. A feed
whose events are derived from its records (``derive``: the roster's snapshots) returns the
records' columns instead of the event columns (``natural_key, record_time, deleted``).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from ingest.errors import IngestError
from ingest.schema import BOUNDED_TIMES, ENTITIES, FUTURE_SLACK, TIME_MIN
from ingest.store import EventStore, shanghai_local

CHUNK_BYTES = 64 << 20  # files of one batch: bounds the memory of one parse (~1 GB at 64 MB)


@dataclass(frozen=True)
class Feed:
    """One entity of a file source."""

    source: str
    entity: str
    pattern: str  # glob under DIR/<source>/
    columns: dict[str, str] | None  # CSV header name → column name in ``records``; None: JSON lines
    parse: str  # SQL over ``records`` (see module doc)
    date_prefix: str | None = None  # names are <date_prefix>YYYY-MM-DD.csv: ``records.file_date``
    params: Mapping[str, object] = field(default_factory=dict)  # the parse SQL's prepared parameters
    per_name: bool = False  # a file is new unless loaded under the same name (see new_files)
    derive: Derive | None = None  # makes a batch's events of its records; None: they are the good records


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str  # relative to DIR/<source>/, as stored in ``source_file``
    sha256: str
    size: int
    text: bytes = b""  # UTF-8, LF: read per batch by :func:`chunks`


# (store, feed, the batch's files, batch id, clock) → new events per entity, appended from ``parsed``
Derive = Callable[[EventStore, Feed, list[SourceFile], str, dt.datetime], dict[str, int]]


def decode(path: Path, data: bytes) -> bytes:
    """The file's text as UTF-8 bytes with LF line breaks: UTF-8 with BOM, UTF-8, else GB18030."""
    return _utf8(path, data).replace(b"\r\n", b"\n")


def _utf8(path: Path, data: bytes) -> bytes:
    try:
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
            data.decode("utf-8")
            return data
        try:
            data.decode("utf-8")
            return data
        except UnicodeDecodeError:
            return data.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError as e:
        raise IngestError(
            f"{path}: cannot decode (not UTF-8 or GB18030: {e.reason} at byte {e.start})"
        ) from e


def file_date(path: Path, prefix: str) -> dt.date:
    """The date in a ``<prefix>YYYY-MM-DD.csv`` name; IngestError when the name has none."""
    match = re.fullmatch(rf"{prefix}(\d{{4}}-\d{{2}}-\d{{2}})\.csv", path.name)
    try:
        return dt.date.fromisoformat(match.group(1))
    except (AttributeError, ValueError):
        raise IngestError(f"{path}: file name lacks a valid date ({prefix}YYYY-MM-DD.csv)") from None


def new_files(
    store: EventStore, source_dir: Path, source: str, pattern: str, per_name: bool = False
) -> tuple[list[SourceFile], int]:
    """Files matching ``pattern`` not yet loaded, in byte order of names, and how many were skipped.

    A file byte-identical (sha256) to one already loaded is skipped; with ``per_name`` only when
    it was loaded under the same name (roster snapshots: each holds as of the date in its name).
    """
    loaded = store.loaded_files(source)
    seen = loaded if per_name else {sha for sha, _ in loaded}
    paths = sorted(source_dir.glob(pattern), key=lambda p: str(p.relative_to(source_dir)).encode())
    refused = [f"{path} ({kind})" for path in paths if (kind := not_a_landing_file(source_dir, path))]
    if refused:
        raise IngestError(f"only regular files are read from the landing zone; refused: {', '.join(refused)}")
    files, skipped = [], 0
    for path in paths:
        name = str(path.relative_to(source_dir))
        data = read_landing_file(path)
        sha = hashlib.sha256(data).hexdigest()
        identity = (sha, name) if per_name else sha
        if identity in seen:
            skipped += 1
            continue
        seen.add(identity)
        decode(path, data)  # an undecodable file fails its source before anything is written
        files.append(SourceFile(path, name, sha, len(data)))
    return files, skipped


def not_a_landing_file(source_dir: Path, path: Path) -> str | None:
    """Why ``path`` (under ``source_dir``) is not read: a symlink on the way (it could lead out of
    the landing zone) or not a regular file (a FIFO would block the run, a device or socket is
    no extract); None for a regular file reached without a symlink."""
    if source_dir.is_symlink():
        return f"under the symlink {source_dir}"
    for part in [*reversed(path.relative_to(source_dir).parents[:-1]), path.relative_to(source_dir)]:
        if (source_dir / part).is_symlink():
            return "a symlink" if part == path.relative_to(source_dir) else f"under the symlink {part}"
    kind = stat.S_IFMT(path.lstat().st_mode)
    if kind != stat.S_IFREG:
        return _KINDS.get(kind, "not a regular file")
    return None


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
}


def read_landing_file(path: Path) -> bytes:
    """The bytes of a landing file, opened without following a symlink and without blocking, and
    refused unless it is still a regular file once open (it may have been swapped since listed)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise IngestError(f"{path}: cannot open ({e.strerror}); only regular files are read") from None
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IngestError(f"{path}: not a regular file; only regular files are read")
        return stream.read()


def chunks(files: list[SourceFile]) -> Iterator[list[SourceFile]]:
    """Consecutive files grouped up to ``CHUNK_BYTES`` each (one batch per group), with their text."""
    groups: list[list[SourceFile]] = []
    size = CHUNK_BYTES
    for f in files:
        if size + f.size > CHUNK_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(f)
        size += f.size
    for group in groups:
        yield [replace(f, text=decode(f.path, read_landing_file(f.path))) for f in group]


def person_key_params(key: str) -> dict[str, str]:
    """The prepared parameters ``$ipad``, ``$opad`` (hex) of the SQL macro ``person_key`` (HMAC-SHA256
    of a phone under ``key``, ``ingest/sql/macros.sql``): the only form a phone takes past ``raw``."""
    k = key.encode()
    k = hashlib.sha256(k).digest() if len(k) > 64 else k.ljust(64, b"\0")
    return {"ipad": bytes(b ^ 0x36 for b in k).hex(), "opad": bytes(b ^ 0x5C for b in k).hex()}


def read_csv(f: SourceFile, columns: dict[str, str]) -> tuple[dict[str, int], pa.Table | None]:
    """Each listed column's 1-based position in the file's header (IngestError if one is missing)
    and the file's non-blank records as the ``csv`` module reads them (RFC 4180: a quoted field may
    hold commas, doubled quotes and line breaks): ``source_position`` (the line a record starts
    on), ``raw`` (its lines) and ``fields``.

    None instead of the records when the file has no quote and no CR: then each line is a record
    whose fields are the line split on commas (what RFC 4180 gives for such text), and DuckDB
    does that split in a fraction of the time (:func:`register_records`)."""
    quoted = b'"' in f.text or b"\r" in f.text
    lines = f.text.split(b"\n") if quoted else [f.text.split(b"\n", 1)[0]]  # else the header only
    reader = csv.reader(line.decode("utf-8") + "\n" for line in lines)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as e:
        raise IngestError(f"{f.path}: cannot read the header ({e})") from None
    missing = [name for name in columns if name not in header]
    if missing:
        raise IngestError(f"{f.path}: header lacks column(s) {', '.join(missing)}")
    positions = {c: header.index(name) + 1 for name, c in columns.items()}
    if not quoted:
        return positions, None
    starts, raws, rows = [], [], []
    start = reader.line_num  # lines read so far: the next record starts on line start + 1
    gc_enabled = gc.isenabled()
    gc.disable()  # else the cyclic GC rescans the growing list of rows again and again (3x slower)
    try:
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error:  # a CR alone outside quotes, a field over csv.field_size_limit(): no fields
                fields = [""]
            end = reader.line_num
            if fields:
                starts.append(start + 1)
                raws.append(lines[start] if end == start + 1 else b"\n".join(lines[start:end]))
                rows.append(fields)
            start = end
        return positions, pa.table(
            {
                "source_position": pa.array(starts, pa.int64()),
                "raw": pa.array(raws, pa.binary()).cast(pa.string()),  # faster than from str
                "fields": pa.array(rows, pa.list_(pa.string())),
            }
        )
    finally:
        if gc_enabled:
            gc.enable()


CSV_RECORDS = pa.schema(  # what read_csv returns, with the file's index in the batch
    [
        ("source_position", pa.int64()),
        ("raw", pa.string()),
        ("fields", pa.list_(pa.string())),
        ("file_no", pa.int32()),
    ]
)


def register_records(
    store: EventStore, feed: Feed, files: list[SourceFile], file_dates: list[dt.date | None]
) -> None:
    """Create the temp table ``records`` from the files (see module doc): the CSV records that
    :func:`read_csv` returns, and the lines of the other files (JSON lines, CSV without quotes)."""
    db, columns = store.db, feed.columns or {}
    read = [read_csv(f, columns) if columns else ({}, None) for f in files]
    texts = [f.text if records is None else b"" for f, (_, records) in zip(files, read, strict=True)]
    catalog = {
        "file_no": pa.array(range(len(files)), pa.int32()),
        "text": pa.chunked_array([_one_string(text) for text in texts]),  # '' when read_csv read it
        "source_file": [f.name for f in files],
        "file_date": pa.array(file_dates, pa.date32()),
        **{f"at_{c}": [positions[c] for positions, _ in read] for c in columns.values()},
    }
    parsed = [
        records.append_column("file_no", pa.repeat(pa.scalar(i, pa.int32()), len(records)))
        for i, (_, records) in enumerate(read)
        if records is not None
    ]
    db.register("file_catalog", pa.table(catalog))
    db.register("csv_records", pa.concat_tables([CSV_RECORDS.empty_table(), *parsed]))
    split = "string_split(line, ',')" if columns else "NULL"
    fields = "".join(f", nullif(fields[at_{c}], '') AS {c}" for c in columns.values())
    db.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE records AS
        SELECT source_file, file_date, source_position, raw{fields}
        FROM (SELECT * EXCLUDE (text, lines, line), line AS raw, {split} AS fields
              FROM (SELECT *, generate_subscripts(lines, 1) AS source_position, unnest(lines) AS line
                    FROM (SELECT *, string_split(text, E'\\n') AS lines FROM file_catalog))
              WHERE source_position >= {2 if columns else 1}
              UNION ALL BY NAME
              SELECT c.* EXCLUDE (text), r.* EXCLUDE (file_no) FROM csv_records r JOIN file_catalog c USING (file_no))
        WHERE raw <> ''
        """
    )
    db.unregister("file_catalog")
    db.unregister("csv_records")


def _one_string(data: bytes) -> pa.Array:
    """UTF-8 ``data`` as an arrow array of one string, without copying it."""
    return pa.LargeStringArray.from_buffers(
        1, pa.py_buffer(np.array([0, len(data)], np.int64)), pa.py_buffer(data)
    )


def parse(store: EventStore, feed: Feed, files: list[SourceFile], now: dt.datetime) -> None:
    """Create the temp table ``parsed``: the feed's parse SQL over the files' records. Of a feed of
    events (not ``derive``) with the ``event_id`` of each good line, and a good line whose times
    break the timestamp sanity of ``ingest.schema`` (against the run's clock ``now``) turned
    ``out_of_range``."""
    register_records(
        store, feed, files, [file_date(f.path, feed.date_prefix) if feed.date_prefix else None for f in files]
    )
    query = feed.parse
    if feed.derive is None:
        query = f"""SELECT CASE WHEN reject_reason IS NULL THEN {event_id(feed.source, feed.entity)} END AS event_id, *
                    FROM ({_time_sanity(feed, now)})"""
    store.db.execute(f"CREATE OR REPLACE TEMP TABLE parsed AS {query}", dict(feed.params) or None)
    store.db.execute("DROP TABLE records")


def _time_sanity(feed: Feed, now: dt.datetime) -> str:
    """The feed's parse SQL, its good lines with a time outside ``TIME_MIN`` .. the clock plus
    ``FUTURE_SLACK`` turned ``out_of_range`` (the detail names the column)."""
    latest = (shanghai_local(now) + FUTURE_SLACK).isoformat(sep=" ")
    bounded = {"record_time": True} | BOUNDED_TIMES.get((feed.source, feed.entity), {})
    checks = " ".join(
        f"WHEN {column} < TIMESTAMP '{TIME_MIN}'"
        + (f" OR {column} > TIMESTAMP '{latest}'" if above else "")
        + f" THEN '{column} ' || CAST({column} AS VARCHAR) || ' outside {TIME_MIN:%Y-%m-%d} .. "
        + ("the run''s clock plus a day'" if above else "'")
        for column, above in bounded.items()
    )
    return f"""SELECT * REPLACE (CASE WHEN reject_reason IS NOT NULL THEN reject_reason
                                      WHEN CASE {checks} END IS NOT NULL THEN 'out_of_range' END AS reject_reason,
                                 CASE WHEN reject_reason IS NOT NULL THEN detail ELSE CASE {checks} END END AS detail)
               FROM ({feed.parse})"""


def quarantine_rejects(store: EventStore, feed: Feed, batch_id: str, now: dt.datetime) -> dict[str, int]:
    """Append the lines of ``parsed`` that have a ``reject_reason``; returns rows per reason."""
    db = store.db
    rejected = db.sql(
        f"""SELECT {_envelope(feed.source, feed.entity, batch_id, now)}, source_file, source_position,
                   reject_reason AS reason, detail, raw
            FROM parsed WHERE reject_reason IS NOT NULL"""
    )
    store.append_quarantine(feed.source, rejected, batch_id)
    return dict(
        db.execute(
            "SELECT reject_reason, count(*) FROM parsed WHERE reject_reason IS NOT NULL GROUP BY ALL"
        ).fetchall()
    )


def event_id(source: str, entity: str) -> str:
    """SQL of an event's id over its typed columns and ``deleted``: md5 (hex) of the canonical
    version ``source|entity|deleted|typed columns`` (NULL as ``∅``), so one record version gets one
    id whichever file delivered it. The natural key and the record time are functions of the typed
    columns (every parse builds them from those), so they are not hashed again. 128 bits: the
    chance of any two of 10^10 versions sharing an id is below 10^-18; md5 (not sha256) because it
    is half the CPU per event, and the sources are the organisation's own systems, not adversaries
    who would craft colliding records (ingest.schema.STORE_FORMAT)."""
    return event_id_of(source, entity, {f.name for f in ENTITIES[(source, entity)]})


def event_id_of(source: str, entity: str, columns: set[str]) -> str:
    """:func:`event_id` over a relation that has only ``columns`` of the typed columns (a file an
    older version wrote, ``ingest/migrate.py``): the others are NULL."""
    content = ", ".join(
        f"coalesce(CAST({f.name} AS VARCHAR), '∅')" if f.name in columns else "'∅'"
        for f in ENTITIES[(source, entity)]
    )
    return f"md5(concat_ws('|', '{source}', '{entity}', CAST(deleted AS VARCHAR), {content}))"


def append_events(
    store: EventStore, source: str, entity: str, rows: str, batch_id: str, now: dt.datetime
) -> int:
    """Append the events of query ``rows`` (``event_id``, typed columns, ``natural_key, record_time,
    deleted, source_file, source_position, raw``); returns how many were new."""
    events = store.db.sql(f"SELECT {_envelope(source, entity, batch_id, now)}, * FROM ({rows})")
    return store.append(source, entity, events, batch_id, ids_cover_record_time=True)


def _envelope(source: str, entity: str, batch_id: str, now: dt.datetime) -> str:
    recorded_at = shanghai_local(now).isoformat(sep=" ")
    return f"""'{source}' AS source, '{entity}' AS entity, TIMESTAMP '{recorded_at}' AS recorded_at,
               '{batch_id}' AS batch_id"""


def records_read(store: EventStore, group: list[SourceFile]) -> list[tuple[str, str, int]]:
    """``(sha256, name, records)`` of each file of ``group``: its records in ``parsed`` (good or
    quarantined; blank lines and the header are no records), the files ledger's ``rows``."""
    counts = dict(store.db.execute("SELECT source_file, count(*) FROM parsed GROUP BY ALL").fetchall())
    return [(f.sha256, f.name, counts.get(f.name, 0)) for f in group]


def virtual_file(name: str, lines: list[str]) -> SourceFile:
    """Records of a live source (an API page, a SQL read) as a file of one record per line, so they
    take exactly the file form's path: position = line number (a page's record index)."""
    text = "".join(line.replace("\r", " ").replace("\n", " ") + "\n" for line in lines).encode()
    return SourceFile(Path(name), name, hashlib.sha256(text).hexdigest(), len(text), text)
