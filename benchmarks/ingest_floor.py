"""The ingest floor: DuckDB's own readers of the same landing zone, written to Parquet.

    .venv/bin/python benchmarks/ingest_floor.py LANDING OUT

Every file that ingest reads (the file feeds of ``ingest.connectors``, by their patterns) is read
by DuckDB's ``read_csv`` (all columns VARCHAR, the header's names) or ``read_json`` (newline
delimited, DuckDB's own type detection, a line it cannot read skipped) and written to
``OUT/<source>/<entity>.parquet``, one file per feed in one ``COPY``: no validation, no event id,
no dedupe, no quarantine. What ingest does beyond that is what it costs beyond the floor.

DuckDB reads UTF-8 only (GB18030 needs its ``encodings`` extension, which cannot be installed
here), so a file that is not UTF-8 is decoded by Python to a UTF-8 copy first, as ingest must do
too; that time is part of the floor.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from ingest.connectors import connector  # noqa: E402
from ingest.schema import SOURCES, sql_text  # noqa: E402


def ingest_floor(landing: Path, out: Path) -> dict:
    """Read every landing file of every file feed with DuckDB's readers into ``out`` (emptied
    first); returns the records written, the seconds (wall, and CPU of this process) and the
    records per feed."""
    landing, out = Path(landing).resolve(), Path(out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    settings = Settings(home=out / "unused-home", sources=landing)
    wall, cpu = time.perf_counter(), time.process_time()
    feeds: dict[str, int] = {}
    transcoded = 0
    with duckdb.connect() as db, tempfile.TemporaryDirectory(dir=out) as tmp:
        for source in SOURCES:
            for feed in connector(source).feeds(settings):
                paths = sorted((landing / source).glob(feed.pattern))
                if not paths:
                    continue
                files = []
                for path in paths:
                    utf8 = _utf8_copy(path, Path(tmp) / f"{len(files)}-{path.name}")
                    transcoded += utf8 != path
                    files.append(str(utf8))
                listed = "[" + ", ".join(sql_text(f) for f in files) + "]"
                reader = (
                    f"read_csv({listed}, header = true, all_varchar = true)"
                    if feed.columns
                    else f"read_json({listed}, format = 'newline_delimited', ignore_errors = true)"
                )
                target = out / source / f"{feed.entity}.parquet"
                target.parent.mkdir(exist_ok=True)
                feeds[f"{source}/{feed.entity}"] = db.execute(
                    f"COPY (SELECT * FROM {reader}) TO {sql_text(target)} (FORMAT parquet)"
                ).fetchone()[0]
    return {
        "records": sum(feeds.values()),
        "seconds": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "files_transcoded": transcoded,
        "records_by_feed": feeds,
    }


def _utf8_copy(path: Path, tmp: Path) -> Path:
    """``path`` itself when it is UTF-8 (DuckDB skips a BOM), else a UTF-8 copy (GB18030) at ``tmp``."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        return path
    except UnicodeDecodeError:
        tmp.write_bytes(data.decode("gb18030").encode("utf-8"))
        return tmp


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(ingest_floor(Path(sys.argv[1]), Path(sys.argv[2])), indent=1))
