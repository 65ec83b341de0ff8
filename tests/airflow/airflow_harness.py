"""Helpers of the Airflow tests: paths, the Airflow environment of a test, output checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
BIN = Path(sys.executable).parent
AIRFLOW = str(BIN / "airflow")
LOGICAL_DATE = "2026-11-06T01:30:00+08:00"  # a nightly run: months 2026-09 and 2026-10 are exported

# Airflow reads its configuration when first imported: point it at a throw-away home first.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS))
if str(DAGS) not in sys.path:  # as Airflow does for its DAG bundle: DAG files import pioneer_tasks
    sys.path.append(str(DAGS))


def airflow_env(airflow_home: Path, pioneer_home: Path, landing: Path, **extra: str) -> dict[str, str]:
    """Environment of every Airflow process of a test: its own AIRFLOW_HOME, the repo's DAGs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PIONEER_"))}
    env.update(
        AIRFLOW_HOME=str(airflow_home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_hex(16),
        PYTHONPATH=str(REPO),
        PIONEER_HOME=str(pioneer_home),
        PIONEER_SOURCES=str(landing),
        **extra,
    )
    return env


def prepare_airflow(env: dict[str, str]) -> None:
    """``airflow db migrate`` and the repo's pools, in the test's own AIRFLOW_HOME."""
    for cmd in (["db", "migrate"], ["pools", "import", str(DAGS / "pools.json")]):
        done = subprocess.run([AIRFLOW, *cmd], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def dags_test(env: dict[str, str], logical_date: str = LOGICAL_DATE) -> subprocess.CompletedProcess:
    """``airflow dags test pioneer_nightly <logical_date>``: one night in-process (SQLite, LocalExecutor)."""
    return subprocess.run(
        [AIRFLOW, "dags", "test", "pioneer_nightly", logical_date],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def member_index(home: Path) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select * from marts.fct_member_index_monthly order by all").fetchall()


def export_files(home: Path) -> dict[str, bytes]:
    """The published HR export CSVs by relative path."""
    root = home / "exports" / "hr"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.glob("*/*.csv"))}


def assert_published(home: Path) -> None:
    """The marts hold the complete months and the due HR exports were published."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        months = [
            r[0]
            for r in con.execute(
                "select distinct month from marts.fct_member_index_monthly order by 1"
            ).fetchall()
        ]
    assert months == ["2026-09", "2026-10"], months
    assert "2026-10/pioneer_index_2026-10_v1.csv" in export_files(home), export_files(home).keys()
