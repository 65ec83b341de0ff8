"""Source gates: after ingestion, check what one run added to the event store.

Per entity, the run's new events (typed columns only: the raw text may hold phones) against
``source_<source>_<entity>`` (keys, enumerations of sources.md, timestamp sanity, ranges, the
phone hash). Per feed (a file kind, e.g. ``points_*.csv``), ``source_delivery``: rows per file
against the feed's recent files, so a feed that suddenly delivers a tenth of its usual rows
fails; per source, ``source_quarantine``: the share of the rows read that the run quarantined.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from expectations.gates import GateResult, validate_frame
from ingest.schema import ENTITIES, ENUMS
from pioneer.config import Settings

RECENT_FILES = 10  # files of the same feed that make its "usual" volume
TIME_MIN = dt.datetime(2000, 1, 1)


def _parameters(source: str, entity: str, now: dt.datetime) -> dict:
    enums = {
        f"enum_{col}": list(values) for (s, e, col), values in ENUMS.items() if (s, e) == (source, entity)
    }
    return {"time_min": TIME_MIN, "time_max": now + dt.timedelta(days=1), **enums}


def delivery_frame(con: duckdb.DuckDBPyConnection, home: str, source: str, now: dt.datetime):
    """One row per feed delivered in this run: rows per file now and recently, quarantine share."""
    return con.execute(
        f"""
        with files as (
            select regexp_replace(file_name, '[0-9]+', '#', 'g') as feed, file_name, rows, recorded_at,
                   row_number() over (partition by regexp_replace(file_name, '[0-9]+', '#', 'g')
                                      order by recorded_at desc, file_name desc) as recency
            from read_parquet('{home}/events/_files/*.parquet') where source = ?
        ),
        quarantined as (
            select source_file, count(*) as rows
            from read_parquet('{home}/quarantine/{source}/*.parquet') where recorded_at = ? group by all
        ),
        current_files as (select * from files where recorded_at = ?),
        recent as (
            select f.feed, avg(f.rows) as recent_rows_per_file
            from files f join (select feed, max(recency) as newest_of_run from current_files group by feed) c
              on f.feed = c.feed and f.recency > c.newest_of_run and f.recency <= c.newest_of_run + {RECENT_FILES}
            group by f.feed
        )
        select c.feed, count(*) as files, sum(c.rows) as rows, avg(c.rows) as rows_per_file,
               any_value(r.recent_rows_per_file) as recent_rows_per_file,
               -- a live source's pages and reads vary in size by nature: no volume ratio for them
               case when c.feed similar to '(api|sql):.*' then null
                    else avg(c.rows) / nullif(any_value(r.recent_rows_per_file), 0) end as volume_ratio,
               coalesce(sum(q.rows), 0) as quarantined
        from current_files c
        left join recent r on r.feed = c.feed
        left join quarantined q on q.source_file = c.file_name
        group by c.feed order by c.feed
        """,
        [source, now, now],
    ).df()


def validate_source(settings: Settings, source: str, run_name: str) -> list[GateResult]:
    """Validate the events and files that the run at ``settings.clock()`` added for ``source``."""
    home = settings.home
    now = settings.clock().replace(tzinfo=None)
    results = []
    with duckdb.connect() as con:
        for src, entity in ENTITIES:
            if src != source:
                continue
            frame = con.execute(
                f"select * exclude (raw) from read_parquet('{home}/events/{src}/{entity}/*.parquet', "
                "union_by_name=true) where recorded_at = ?",
                [now],
            ).df()
            if not frame.empty:
                suite = f"source_{src}_{entity}"
                results.append(validate_frame(home, suite, frame, _parameters(src, entity, now), run_name))
        delivered = delivery_frame(con, str(home), source, now)
    if not delivered.empty:
        volume = {"min_volume_ratio": settings.min_volume_ratio}
        results.append(validate_frame(home, "source_delivery", delivered, volume, f"{run_name}_{source}"))
        read, quarantined = int(delivered["rows"].sum()), int(delivered["quarantined"].sum())
        rate = pd.DataFrame(
            [
                {
                    "source": source,
                    "rows": read,
                    "quarantined": quarantined,
                    "quarantine_rate": quarantined / max(read, 1),
                }
            ]
        )
        limit = {"max_quarantine_rate": settings.max_quarantine_rate}
        results.append(validate_frame(home, "source_quarantine", rate, limit, f"{run_name}_{source}"))
    return results
