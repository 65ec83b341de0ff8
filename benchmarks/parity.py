"""Incremental equals full refresh, on a real home: rebuild the published night of ``HOME`` from
scratch and compare every mart row.

    .venv/bin/python benchmarks/parity.py HOME [--out DIR]

The last run of ``HOME`` that published a warehouse is rebuilt by a full refresh into ``DIR``
(``pioneer.replay.rebuild``: the home's event store as that run left it, its clock and its rules
file; the home is only read), then every table of schema ``marts`` of the rebuilt warehouse is
compared with the home's published one, row for row (multisets: ``EXCEPT ALL`` both ways, on the
columns both have, batch columns included). :func:`parity` returns the figures as a dict (the
benchmark's ``nightly`` step records it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from core.layout import Home


def parity(home: Path, out: Path | None = None) -> dict:
    """Full refresh of ``home``'s published night into ``out`` (a temporary folder, removed after,
    by default) and its marts compared with the home's published marts."""
    from pioneer.replay import rebuild, rules_of, run_as_of

    home = Path(home).resolve()
    scratch = out is None
    out = Path(tempfile.mkdtemp(prefix="parity-")) if scratch else Path(out)
    try:
        run, _ = run_as_of(home, dt.datetime.now(dt.UTC))
        started = time.perf_counter()
        rebuilt, _ = rebuild(home, run, rules_of(home, run), out / "rebuilt")
        result = {
            "home": str(home),
            "run": run.path.name,
            "clock": run.clock.isoformat(),
            "full_refresh_wall_s": round(time.perf_counter() - started, 1),
            **compare_marts(Home(home).warehouse, rebuilt),
        }
    finally:
        if scratch:
            shutil.rmtree(out, ignore_errors=True)
    return result


def compare_marts(incremental: Path, full: Path) -> dict:
    """Every marts table of ``incremental`` against ``full``: rows, and rows found on one side only."""
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{incremental}' as inc (read_only)")
        con.execute(f"attach '{full}' as full_refresh (read_only)")

        def tables(db: str) -> set[str]:
            query = "select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts'"
            return {t for (t,) in con.execute(query, [db]).fetchall()}

        names = tables("inc") | tables("full_refresh")
        figures: dict[str, dict] = {}
        for table in sorted(names):
            if table not in tables("inc") or table not in tables("full_refresh"):
                figures[table] = {
                    "missing_in": "incremental" if table not in tables("inc") else "full refresh"
                }
                continue
            columns_of = "select column_name from duckdb_columns() where database_name = ? and schema_name = 'marts' and table_name = ? order by column_index"
            inc_columns = [c for (c,) in con.execute(columns_of, ["inc", table]).fetchall()]
            full_columns = {c for (c,) in con.execute(columns_of, ["full_refresh", table]).fetchall()}
            columns = ", ".join(f'"{c}"' for c in inc_columns if c in full_columns)
            a, b = f'inc.marts."{table}"', f'full_refresh.marts."{table}"'
            rows = con.execute(f"select (select count(*) from {a}), (select count(*) from {b})").fetchone()
            only_inc = con.execute(
                f"select count(*) from (select {columns} from {a} except all select {columns} from {b})"
            ).fetchone()[0]
            only_full = con.execute(
                f"select count(*) from (select {columns} from {b} except all select {columns} from {a})"
            ).fetchone()[0]
            figures[table] = {
                "rows": rows[0],
                "rows_full_refresh": rows[1],
                "only_incremental": only_inc,
                "only_full_refresh": only_full,
                "columns_compared": len(columns.split(", ")),
                "columns_not_in_both": sorted(set(inc_columns) ^ full_columns),
            }
    equal = all(
        f.get("only_incremental") == 0
        and f.get("only_full_refresh") == 0
        and not f.get("columns_not_in_both")
        for f in figures.values()
    )
    return {
        "equal": equal,
        "tables": len(figures),
        "rows_compared": sum(f.get("rows", 0) for f in figures.values()),
        "rows_differing": sum(
            f.get("only_incremental", 0) + f.get("only_full_refresh", 0) for f in figures.values()
        ),
        "by_table": figures,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("home", type=Path)
    ap.add_argument("--out", type=Path, help="where the full refresh is built (default: a temporary folder)")
    args = ap.parse_args()
    result = parity(args.home, args.out)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    raise SystemExit(0 if result["equal"] else 1)


if __name__ == "__main__":
    main()
