"""``pioneer migrate``: rewrite a home's event store to this code's format (``ingest.schema.STORE_FORMAT``).

Format 1 → 2 changes the event id only (sha256 hex of the old canonical string → md5 hex of the
new one, :func:`ingest.files.event_id`). The new id is computed from each event's stored typed
columns alone, never from its old id, so rewriting a file twice gives the same file: every step
below may be repeated, and a crash anywhere leaves a home that ``migrate`` finishes.

Under the home's exclusive lock:

1. beside every event file ``F.parquet`` (the entities, and what ``doctor`` set aside), its new
   version ``.F.parquet.migrated``, written to a temporary name and then renamed (a file already
   there from an interrupted migrate is complete and kept);
2. the check that no two events of an entity got the same new id (nothing is swapped otherwise);
3. the swap: each ``.F.parquet.migrated`` replaces ``F.parquet`` (one atomic rename each);
4. the format file (``core.layout.Home.store_format``), last: until it is written the pipeline
   refuses the home (a half-swapped store is never read).

The files ledger, batches, holds and quarantine hold no event id and stay as they are. The
published warehouse is left alone; its next build is a full refresh, as the store format is part
of the code digest (``pioneer.transform.code_sha256``).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from core.home import crash_point, home_lock
from core.layout import Home
from ingest.errors import StoreFormatError
from ingest.files import event_id_of
from ingest.schema import ENTITIES, STORE_FORMAT, sql_text
from ingest.store import store_format, write_store_format

MIGRATED = ".migrated"  # suffix of a file's new version, beside it until the swap


def migrate(home: Path, kill_at: str | None = None) -> dict:
    """Rewrite the event store of ``home`` to ``STORE_FORMAT`` (see module doc); returns the format
    found, the format now and the event files and events rewritten. ``kill_at``: test hook
    (``core.home.crash_point``)."""
    home = Path(home)
    with home_lock(home, "migrate"):
        found = store_format(home)
        if found is None or found == STORE_FORMAT:
            return {"format_found": found, "format": STORE_FORMAT, "files": 0, "events": 0}
        if found > STORE_FORMAT:
            raise StoreFormatError(
                f"the event store of {home} is of format {found}, newer than this version's"
            )
        db = duckdb.connect()
        files = _event_files(home)
        events = sum(_write_new(db, source, entity, path) for source, entity, path in files)
        crash_point(kill_at, "migrate:written")
        _check_unique(db, home, files)
        for n, (_, _, path) in enumerate(files):
            new = _new_version(path)
            if new.exists():
                os.replace(new, path)
            if n == 0:
                crash_point(kill_at, "migrate:swapped")
        write_store_format(home)
        return {"format_found": found, "format": STORE_FORMAT, "files": len(files), "events": events}


def _event_files(home: Path) -> list[tuple[str, str, Path]]:
    """Every event file of the home with its entity: the store's and what ``doctor`` set aside."""
    layout = Home(home)
    found = []
    for source, entity in ENTITIES:
        for folder in (
            layout.entity(source, entity),
            layout.duplicates(source, entity),
            layout.nonconforming(source, entity),
        ):
            found += [
                (source, entity, p) for p in sorted(folder.glob("*.parquet")) if p.name != "_empty.parquet"
            ]
    return found


def _new_version(path: Path) -> Path:
    return path.with_name(f".{path.name}{MIGRATED}")


def _write_new(db: duckdb.DuckDBPyConnection, source: str, entity: str, path: Path) -> int:
    """Write the new version of one event file beside it (kept if already there); its events."""
    new = _new_version(path)
    if not new.exists():
        events = f"read_parquet({sql_text(path)})"
        stored = {row[0] for row in db.execute(f"DESCRIBE SELECT * FROM {events}").fetchall()}
        tmp = path.with_name(f".{path.name}.migrating.tmp")
        # every column as the file has it (even one an older version typed otherwise, which doctor
        # reports): only the id changes
        db.execute(
            f"""COPY (SELECT * REPLACE ({event_id_of(source, entity, stored)} AS event_id) FROM {events})
                TO {sql_text(tmp)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)"""
        )
        os.rename(tmp, new)
    return db.execute(f"SELECT count(*) FROM read_parquet({sql_text(new)})").fetchone()[0]


def _check_unique(db: duckdb.DuckDBPyConnection, home: Path, files: list[tuple[str, str, Path]]) -> None:
    """StoreFormatError when two events of one entity of the store got the same new id."""
    for source, entity in ENTITIES:
        folder = Home(home).entity(source, entity)
        news = [
            sql_text(_new_version(p))
            for s, e, p in files
            if (s, e) == (source, entity) and p.parent == folder
        ]
        if not news:
            continue
        rows, ids = db.execute(
            f"SELECT count(*), count(DISTINCT event_id) FROM read_parquet([{', '.join(news)}])"
        ).fetchone()
        if rows != ids:
            raise StoreFormatError(
                f"{source}/{entity}: {rows - ids} events would share a new id; nothing was swapped"
            )
