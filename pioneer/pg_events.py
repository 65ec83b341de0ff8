"""Mirror the event store into PostgreSQL for the dbt ``postgres`` target (a shared warehouse).

The store is append-only files, so the mirror is append-only too: each parquet file is copied
once into ``events.<source>_<entity>`` (the tables the dbt sources name on PostgreSQL) and
recorded in ``events._loaded_files``; a file already recorded is never copied again.

A file of a held or replaced batch (``ingest/holds.py``: its delivery failed its source gate) is
not copied: the PostgreSQL sources then leave it out as the DuckDB ones do. Once accepted, the
next mirror copies it, and the build sees it as a batch it has not read.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import psycopg2
import pyarrow as pa

from core.layout import Home
from ingest.holds import unused_batch_ids
from ingest.schema import ENTITIES, entity_schema, sql_text

PG_TYPES = {
    pa.string(): "text",
    pa.bool_(): "boolean",
    pa.int64(): "bigint",
    pa.date32(): "date",
    pa.timestamp("us"): "timestamp",
    pa.list_(pa.string()): "text[]",
}


def pg_type(data_type: pa.DataType) -> str:
    if pa.types.is_decimal(data_type):
        return f"numeric({data_type.precision},{data_type.scale})"
    return PG_TYPES[data_type]


def table_name(source: str, entity: str) -> str:
    return f"{source}_{entity}"


def _csv_select(schema: pa.Schema, path: Path) -> str:
    """DuckDB query writing a parquet file as CSV that PostgreSQL's COPY reads (arrays as {..})."""
    columns = []
    for field in schema:
        name = f'"{field.name}"'
        if pa.types.is_list(field.type):
            quoted = f"""list_transform({name}, lambda x: '"' || replace(replace(x, '\\', '\\\\'), '"', '\\"') || '"')"""
            columns.append(
                f"case when {name} is null then null else '{{' || array_to_string({quoted}, ',') || '}}' end"
            )
        else:
            columns.append(name)
    return f"select {', '.join(columns)} from read_parquet({sql_text(path)})"


def mirror_events(home: Path, dsn: str, schema_name: str = "events") -> dict[str, int]:
    """Copy every event file not yet mirrored; return rows copied per table."""
    copied: dict[str, int] = {}
    unused = unused_batch_ids(home)  # files are named after their batch: <batch_id>.parquet
    duck = duckdb.connect()
    with psycopg2.connect(dsn) as pg, pg.cursor() as cur, tempfile.TemporaryDirectory() as tmp:
        cur.execute(f"create schema if not exists {schema_name}")
        cur.execute(
            f"create table if not exists {schema_name}._loaded_files (path text primary key, rows bigint, "
            "loaded_at timestamp default now())"
        )
        cur.execute(f"select path from {schema_name}._loaded_files")
        done = {row[0] for row in cur.fetchall()}
        for source, entity in ENTITIES:
            schema = entity_schema(source, entity)
            table = f"{schema_name}.{table_name(source, entity)}"
            columns = ", ".join(f'"{f.name}" {pg_type(f.type)}' for f in schema)
            cur.execute(f"create table if not exists {table} ({columns})")
            folder = Home(home).entity(source, entity)
            for path in sorted(folder.glob("*.parquet")):
                key = str(path.relative_to(home))
                if key in done or path.stem in unused:
                    continue
                csv_path = Path(tmp) / "batch.csv"
                duck.execute(
                    f"copy ({_csv_select(schema, path)}) to {sql_text(csv_path)} (format csv, header false)"
                )
                with csv_path.open() as stream:
                    cur.copy_expert(f"copy {table} from stdin with (format csv)", stream)
                rows = cur.rowcount
                cur.execute(
                    f"insert into {schema_name}._loaded_files (path, rows) values (%s, %s)", (key, rows)
                )
                if rows:
                    copied[table] = copied.get(table, 0) + rows
        pg.commit()
    return copied
