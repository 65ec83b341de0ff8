"""``pioneer status``: where a home stands, read without disturbing a running job.

Reads only immutable event/quarantine files, published manifests, run records and the
published warehouse (read-only), so it is safe while the nightly job runs.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb

from core.config import Settings
from core.layout import Home
from ingest.holds import held
from ingest.schema import SOURCES
from pioneer.records import last_run


def _count_rows(con: duckdb.DuckDBPyConnection, pattern: str) -> int:
    return con.execute("select count(*) from read_parquet(?, union_by_name=true)", [pattern]).fetchone()[0]


def home_status(settings: Settings) -> dict:
    home = settings.home
    con = duckdb.connect()
    events = {
        s: _count_rows(con, str(Home(home).event_glob(s)))
        if list(Home(home).events.glob(f"{s}/*/*.parquet"))
        else 0
        for s in SOURCES
    }
    by_source: Counter = Counter()
    by_reason: Counter = Counter()
    for source in SOURCES:
        if list((Home(home).quarantine / source).glob("*.parquet")):
            rows = con.execute(
                "select reason, count(*) from read_parquet(?) group by reason",
                [str(Home(home).quarantine / source / "*.parquet")],
            ).fetchall()
            for reason, n in rows:
                by_source[source] += n
                by_reason[reason] += n
    warehouse = settings.layout.warehouse
    if warehouse.exists():
        with duckdb.connect(str(warehouse), read_only=True) as wh:
            has_refs = wh.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'audit' and table_name = 'quarantine_references'"
            ).fetchone()[0]
            if has_refs:
                for source, reason, n in wh.execute(
                    "select source, reason, count(*) from audit.quarantine_references group by all"
                ).fetchall():
                    by_source[source] += n
                    by_reason[reason] += n
    exports = [  # the HR versions, and the months put on notice (公示) before pay
        {"period": m["period"], "version": m["version"], "path": path, "rows": m["row_count"]}
        for m, path in _manifests(Home(home).hr)
    ]
    notices = [
        {"period": m["period"], "notice_until": m["notice_until"], "path": path, "rows": m["row_count"]}
        for m, path in _manifests(Home(home).notice)
    ]
    return {
        "events": {"total": sum(events.values()), "by_source": events},
        "quarantine": {
            "total": sum(by_source.values()),
            "by_source": {s: by_source.get(s, 0) for s in SOURCES},
            "by_reason": dict(sorted(by_reason.items())),
        },
        "exports": exports,
        "notices": notices,
        "last_run": last_run(settings),
        # deliveries whose source gate failed, not used by the marts or exports (ingest/holds.py)
        "held": held(home),
    }


def _manifests(folder: Path) -> list[tuple[dict, str]]:
    """(manifest, path of its CSV) of every file published under ``folder``, by path."""
    return [
        (json.loads(m.read_text()), str(m.with_name(m.name.replace(".manifest.json", ".csv"))))
        for m in sorted(folder.glob("*/*.manifest.json"))
    ]
