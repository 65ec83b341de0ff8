"""Source gates: after ingestion, check what one run added to the event store.

Per entity, the run's new events (typed columns only: the raw text may hold phones) against
``source_<source>_<entity>`` (keys, enumerations of docs/sources.md, timestamp sanity, ranges, the
phone hash). Per feed (a file kind, e.g. ``points_*.csv``), ``source_delivery``: rows per file
against the feed's recent files, so a feed that suddenly delivers a tenth of its usual rows
fails; per source, ``source_quarantine``: the share of the rows read that the run quarantined.

When the gate fails, :func:`failed_deliveries` names each delivery it stopped (one entity of
the source in this run) with its files, batches, rows read, rows quarantined and their share, for
the message and for the holds ledger (``ingest/holds.py``: the delivery stays out of the marts
until it is accepted or replaced).

A first load can add tens of millions of events to one entity, far more than fit in memory as
one DataFrame: the events stream out of DuckDB in chunks of at most ``ROWS_PER_CHUNK`` rows, each
validated with the same suite, and the chunks' results merge into one result per entity.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from core.config import Settings
from core.layout import SOURCE_GATE_SCRATCH, Home
from expectations.gates import MAX_OFFENDING_ROWS, Failure, GateResult, load_suite, validate_frame
from ingest.schema import APPEAL_POINTS_MAX, ENTITIES, ENUMS, FUTURE_SLACK, TIME_MIN, sql_text

RECENT_FILES = 10  # files of the same feed that make its "usual" volume
# Events validated at once (one DataFrame, one GX validation). Measured on the benchmark's first
# load (50 000 members x 24 months): the learning gate, 31.2 M points in 63 chunks and the courses,
# took ~5 min at a peak RSS of 2.4 GB, under the pipeline's 4 GiB per process.
ROWS_PER_CHUNK = 500_000
# The gate's own DuckDB (streaming scan, delivery-wide uniqueness); it spills to a temp directory
# under HOME past this limit.
DUCKDB_MEMORY_LIMIT = "512MB"


def _parameters(source: str, entity: str, now: dt.datetime) -> dict:
    enums = {
        f"enum_{col}": list(values) for (s, e, col), values in ENUMS.items() if (s, e) == (source, entity)
    }
    bounds = (
        {"points_min": -APPEAL_POINTS_MAX, "points_max": APPEAL_POINTS_MAX} if source == "appeals" else {}
    )
    return {"time_min": TIME_MIN, "time_max": now + FUTURE_SLACK, **enums, **bounds}


def delivery_frame(con: duckdb.DuckDBPyConnection, home: str, source: str, now: dt.datetime):
    """One row per feed (file kind) delivered in this run: rows per file now and recently."""
    return con.execute(
        f"""
        with files as (
            select regexp_replace(file_name, '[0-9]+', '#', 'g') as feed, file_name, rows, recorded_at,
                   row_number() over (partition by regexp_replace(file_name, '[0-9]+', '#', 'g')
                                      order by recorded_at desc, file_name desc) as recency
            from read_parquet({sql_text(f"{Home(home).files_ledger}/*.parquet")}, union_by_name=true) where source = ?
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
                    else avg(c.rows) / nullif(any_value(r.recent_rows_per_file), 0) end as volume_ratio
        from current_files c
        left join recent r on r.feed = c.feed
        group by c.feed order by c.feed
        """,
        [source, now],
    ).df()


def quarantine_frame(con: duckdb.DuckDBPyConnection, home: str, source: str, now: dt.datetime):
    """One row per delivery of this run (docs/outputs.md: what one run added from one feed, i.e. one
    entity of one source): its records read, how many of them it quarantined, and their share."""
    return con.execute(
        f"""
        with delivered as (
            select entity, sum(rows)::bigint as rows
            from read_parquet({sql_text(f"{Home(home).files_ledger}/*.parquet")}, union_by_name=true)
            where source = ? and recorded_at = ? group by entity
        ),
        quarantined as (
            select entity, count(*) as quarantined
            from read_parquet({sql_text(f"{Home(home).quarantine}/{source}/*.parquet")}) where recorded_at = ? group by entity
        )
        select ? as source, d.entity, d.rows, coalesce(q.quarantined, 0) as quarantined,
               coalesce(q.quarantined, 0) / greatest(d.rows, 1) as quarantine_rate
        from delivered d left join quarantined q using (entity)
        order by d.entity
        """,
        [source, now, now, source],
    ).df()


def _events_sql(home: Path, source: str, entity: str) -> str:
    """The events one run (``recorded_at = ?``) added to an entity; typed columns only."""
    return (
        f"select * exclude (raw) from read_parquet({sql_text(str(Home(home).event_glob(source, entity)))}, "
        "union_by_name=true) where recorded_at = ?"
    )


def _chunks(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> Iterator[pd.DataFrame]:
    """The rows of ``sql`` as DataFrames of ``ROWS_PER_CHUNK`` rows (the last one fewer), streamed:
    the whole result is never held. DuckDB's Arrow batches (at most a row group each) are
    gathered to a chunk and become pandas through DuckDB, so the columns get the dtypes that
    ``.df()`` of the whole result would give (dates as datetime64, decimals as float)."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    with duckdb.connect() as to_pandas, con.sql(sql, params=params).to_arrow_reader(ROWS_PER_CHUNK) as reader:
        for batch in reader:
            while batch.num_rows:
                take = min(batch.num_rows, ROWS_PER_CHUNK - rows)
                pending.append(batch.slice(0, take))
                batch, rows = batch.slice(take), rows + take
                if rows == ROWS_PER_CHUNK:
                    yield to_pandas.from_arrow(pa.Table.from_batches(pending)).df()
                    pending, rows = [], 0
        if rows:
            yield to_pandas.from_arrow(pa.Table.from_batches(pending)).df()


def _duplicate_event_ids(
    con: duckdb.DuckDBPyConnection, sql: str, params: list, suite: str
) -> Failure | None:
    """``expect_column_values_to_be_unique`` on event_id across the whole delivery, in DuckDB.

    GX sees one chunk at a time, so for a delivery of several chunks this is the check of record
    (the event store already keeps ids unique: ingest/store.py anti-joins each batch on the
    stored ids and dedupes within the batch; this guards that promise). Hash aggregate, spilling.
    """
    expectation = next(
        e
        for e in load_suite(suite)["expectations"]
        if e["type"] == "expect_column_values_to_be_unique" and e["kwargs"].get("column") == "event_id"
    )
    duplicated = con.execute(
        f"""
        select event_id, count(*) as events, sum(count(*)) over () as duplicated_events
        from ({sql}) where event_id is not null
        group by event_id having count(*) > 1
        order by events desc, event_id limit {MAX_OFFENDING_ROWS}
        """,
        params,
    ).df()
    if duplicated.empty:
        return None
    return Failure(
        expectation=expectation["type"],
        rule=expectation.get("meta", {}).get("rule", ""),
        kwargs=expectation["kwargs"],
        unexpected_count=int(duplicated["duplicated_events"].iloc[0]),
        offending_rows=json.loads(duplicated[["event_id", "events"]].to_json(orient="records")),
    )


def _merge(results: list[GateResult], duplicates: Failure | None) -> GateResult:
    """One result for a suite validated chunk by chunk: passed only if every chunk passed; each
    failing expectation once, its unexpected rows counted over all chunks and its offending rows
    taken from the chunks in order (up to ``MAX_OFFENDING_ROWS``). ``duplicates`` (the
    delivery-wide uniqueness of event_id) replaces the chunks' view of that expectation."""

    def merged(lists: list[list[Failure]], extra: Failure | None = None) -> list[Failure]:
        by_key: dict[str, Failure] = {}
        for failures in lists:
            for failure in failures:
                key = json.dumps([failure.expectation, failure.kwargs], sort_keys=True, default=str)
                if key not in by_key:
                    by_key[key] = Failure(
                        failure.expectation, failure.rule, failure.kwargs, failure.unexpected_count
                    )
                elif failure.unexpected_count is not None:
                    by_key[key].unexpected_count = (
                        by_key[key].unexpected_count or 0
                    ) + failure.unexpected_count
                room = MAX_OFFENDING_ROWS - len(by_key[key].offending_rows)
                by_key[key].offending_rows.extend(failure.offending_rows[:room])
        if extra is not None:
            by_key[json.dumps([extra.expectation, extra.kwargs], sort_keys=True, default=str)] = extra
        return list(by_key.values())

    return GateResult(
        suite=results[0].suite,
        passed=all(r.passed for r in results) and duplicates is None,
        failures=merged([r.failures for r in results], duplicates),
        docs_index=results[-1].docs_index,
        warnings=merged([r.warnings for r in results]),
    )


def _validate_events(
    con: duckdb.DuckDBPyConnection, home: Path, source: str, entity: str, now: dt.datetime, run_name: str
) -> GateResult | None:
    """The run's events of one entity against ``source_<source>_<entity>``, chunk by chunk; None
    when the run added none. The first chunk runs under ``run_name`` (a small delivery is one
    validation, as ever), the next ones under ``<run_name>_part2``, ``_part3``, ..."""
    suite = f"source_{source}_{entity}"
    sql, params = _events_sql(home, source, entity), [now]
    results = [
        validate_frame(
            home,
            suite,
            frame,
            _parameters(source, entity, now),
            run_name if i == 1 else f"{run_name}_part{i}",
        )
        for i, frame in enumerate(_chunks(con, sql, params), start=1)
    ]
    if not results:
        return None
    if len(results) == 1:
        return results[0]
    return _merge(results, _duplicate_event_ids(con, sql, params, suite))


def validate_source(settings: Settings, source: str, run_name: str) -> list[GateResult]:
    """Validate the events and files that the run at ``settings.clock()`` added for ``source``."""
    home = settings.home
    now = settings.clock().replace(tzinfo=None)
    results = []
    with (
        tempfile.TemporaryDirectory(dir=home, prefix=SOURCE_GATE_SCRATCH) as spill,
        duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT, "temp_directory": spill}) as con,
    ):
        for src, entity in ENTITIES:
            if src == source and (result := _validate_events(con, home, src, entity, now, run_name)):
                results.append(result)
        delivered = delivery_frame(con, str(home), source, now)
        rates = quarantine_frame(con, str(home), source, now)
    if not delivered.empty:
        volume = {
            "min_volume_ratio": settings.min_volume_ratio,
            "max_volume_ratio": settings.max_volume_ratio,
        }
        results.append(validate_frame(home, "source_delivery", delivered, volume, f"{run_name}_{source}"))
        policy = {
            "gate_min_rows": settings.gate_min_rows,
            "max_quarantine_rate": settings.max_quarantine_rate,
        }
        results.append(
            validate_frame(home, "source_quarantine", rates, policy, f"{run_name}_{source}_quarantine")
        )
    return results


@dataclass
class FailedDelivery:
    """A delivery (one entity of one source in one run) that its source gate stopped."""

    source: str
    entity: str
    rows: int  # records read from its files
    quarantined: int
    files: list[tuple[str, int, int]]  # file name, records read, records quarantined
    batches: dict[str, list[str]]  # batch id → its files
    rules: list[str] = field(default_factory=list)  # ``suite: rule (n unexpected)`` that failed
    max_quarantine_rate: float = 0.05

    @property
    def rate(self) -> float:
        return self.quarantined / max(self.rows, 1)

    def message(self) -> str:
        """E.g. ``source gate failed for performance/kpi: 25 of 40 rows quarantined (62.5 % > 5 %)
        in kpi_202610.csv; held batch B (`pioneer accept --batch B` to use it, or deliver a
        corrected kpi_202610.csv) [source_quarantine: ...]``. A delivery of several files names
        the files with bad rows and their counts; a corrected delivery replaces a held batch
        once each of its files is delivered again (ingest/holds.py), so all are named."""
        over = f" > {_percent(self.max_quarantine_rate)}" if self.rate > self.max_quarantine_rate else ""
        bad = [f for f in self.files if f[2]] or self.files
        shown = [name if len(self.files) == 1 else f"{name} ({q} of {n})" for name, n, q in bad]
        ids = sorted(self.batches)
        accept = " ".join(f"--batch {b}" for b in ids)
        files = sorted({name for names in self.batches.values() for name in names})
        redeliver = (
            f"deliver a corrected {files[0]}"
            if len(files) == 1
            else f"deliver corrected copies of all its files ({_names(files)})"
        )
        return (
            f"source gate failed for {self.source}/{self.entity}: {self.quarantined} of {self.rows} rows "
            f"quarantined ({_percent(self.rate)}{over}) in {_names(shown)}; "
            f"held batch{'es' if len(ids) > 1 else ''} {', '.join(ids)} "
            f"(`pioneer accept {accept}` to use it, or {redeliver})"
            + (f" [{'; '.join(self.rules)}]" if self.rules else "")
        )


def _names(names: list[str], most: int = 5) -> str:
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _percent(share: float) -> str:
    return f"{100 * share:.1f}".removesuffix(".0") + " %"


def _rule(suite: str, failure: Failure) -> str:
    counted = f" ({failure.unexpected_count} unexpected)" if failure.unexpected_count is not None else ""
    return f"{suite}: {failure.rule or failure.expectation}{counted}"


def failed_deliveries(settings: Settings, source: str, gates: list[GateResult]) -> list[FailedDelivery]:
    """The deliveries of ``source`` in the run at ``settings.clock()`` that failed ``gates`` (the
    results of :func:`validate_source`): a failed ``source_quarantine`` names its deliveries, a
    failed ``source_<source>_<entity>`` its entity; any other failure stops every delivery of
    the source in this run."""
    home, now = settings.home, settings.clock().replace(tzinfo=None)
    rules: dict[str | None, list[str]] = {}
    for gate in gates:
        for failure in gate.failures:
            if gate.suite == "source_quarantine":
                entities = {row.get("entity") for row in failure.offending_rows} or {None}
            elif gate.suite.startswith(f"source_{source}_"):
                entities = {gate.suite.removeprefix(f"source_{source}_")}
            else:
                entities = {None}
            for entity in entities:
                rules.setdefault(entity, []).append(_rule(gate.suite, failure))
    files_glob = sql_text(f"{Home(home).files_ledger}/*.parquet")
    with duckdb.connect() as con:
        files = con.execute(
            f"""
            with delivered as (
                select batch_id, file_name, rows, coalesce(entity, '') as entity
                from read_parquet({files_glob}, union_by_name=true) where source = ? and recorded_at = ?
            ),
            quarantined as (
                select entity, source_file as file_name, count(*) as quarantined
                from read_parquet({sql_text(f"{Home(home).quarantine}/{source}/*.parquet")})
                where recorded_at = ? group by all
            )
            select d.entity, d.batch_id, d.file_name, d.rows, coalesce(q.quarantined, 0)
            from delivered d left join quarantined q using (entity, file_name)
            order by d.entity, d.file_name
            """,
            [source, now, now],
        ).fetchall()
        events_of = {}  # entity → the batches of this run holding its events (roster snapshots too)
        for src, entity in ENTITIES:
            if src == source:
                glob = sql_text(str(Home(home).event_glob(source, entity)))
                events_of[entity] = {
                    b
                    for (b,) in con.execute(
                        f"select distinct batch_id from read_parquet({glob}) where recorded_at = ?", [now]
                    ).fetchall()
                }
    if None in rules:
        stopped = {e for e, *_ in files} | {e for e, batches in events_of.items() if batches}
    else:
        stopped = set(rules)
    deliveries = []
    for entity in sorted(e for e in stopped if e):
        batch_ids = {b for e, b, *_ in files if e == entity} | events_of.get(entity, set())
        if not batch_ids:
            continue
        # a batch's delivery entity is its files' (a roster snapshot event belongs to a member batch)
        owner = next((e for e, b, *_ in files if b in batch_ids), entity)
        mine = [(name, rows or 0, q) for e, b, name, rows, q in files if b in batch_ids and e == owner]
        deliveries.append(
            FailedDelivery(
                source=source,
                entity=owner,
                rows=sum(n for _, n, _ in mine),
                quarantined=sum(q for *_, q in mine),
                files=mine,
                batches={b: sorted(name for _, bb, name, *_ in files if bb == b) for b in batch_ids},
                rules=rules.get(entity, []) + rules.get(None, []),
                max_quarantine_rate=settings.max_quarantine_rate,
            )
        )
    merged: dict[str, FailedDelivery] = {}  # roster member and snapshot failing: one delivery
    for delivery in deliveries:
        if delivery.entity in merged:
            known = merged[delivery.entity]
            known.batches |= delivery.batches
            known.rules += [r for r in delivery.rules if r not in known.rules]
        else:
            merged[delivery.entity] = delivery
    return list(merged.values())
