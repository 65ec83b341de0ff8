"""Fingerprint what a home gives its users: every mart table and every published export.

    .venv/bin/python scripts/home_fingerprint.py HOME > before.json
    ... change the code, rebuild the home from the same landing zone with the same --now ...
    .venv/bin/python scripts/home_fingerprint.py HOME > after.json
    diff before.json after.json

A refactoring that must not change outputs (issue 14) is checked this way: each mart's rows, in
their column order and sorted on every column, are hashed as CSV; each file under HOME/exports is
hashed as bytes. The warehouse is opened read-only.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import duckdb


def fingerprint(home: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema = 'marts' order by all"
        ).fetchall()
        for schema, table in tables:
            rows = con.execute(f'select * from "{schema}"."{table}" order by all').fetchall()
            columns = [d[0] for d in con.description]
            digest = hashlib.sha256(repr((columns, rows)).encode()).hexdigest()
            out[f"{schema}.{table}"] = f"{len(rows)} rows {digest}"
    for path in sorted((home / "exports").rglob("*")):
        if path.is_file():
            out[str(path.relative_to(home))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


if __name__ == "__main__":
    json.dump(fingerprint(Path(sys.argv[1])), sys.stdout, indent=1, sort_keys=True)
    print()
