"""A home survives anything (the reliability issue): one writer at a time, a kill at every stage
boundary recovered by one plain rerun to the same marts and exports as an uninterrupted night,
and nothing left behind. Runs the real CLI; kills go through the ``PIONEER_KILL_AT`` test hook
(``core.home.crash_point``), which dies by SIGKILL exactly as ``kill -9`` would."""

from __future__ import annotations

import json
import os
import subprocess

import duckdb
import pytest
from pioneer_cli import PIONEER, demo_data, pioneer

from core.home import CRASH_POINTS

NOW = "2026-11-06T01:30:00+08:00"


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    out = tmp_path_factory.mktemp("survive") / "landing"
    demo_data(out, members=30, months=2, seed=11)
    return out


def run(landing, home, **env):
    return pioneer("run", "--sources", str(landing), "--home", str(home), "--now", NOW, **env)


def marts(home, ignore: tuple[str, ...] = ()) -> dict[str, list]:
    """Every marts table's rows (sorted), without the batch columns a rerun numbers anew (and the
    columns ``ignore`` names)."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        ]
        result = {}
        for table in sorted(tables):
            columns = [
                c for (c,) in con.execute(
                    "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ?",
                    [table],
                ).fetchall() if "batch" not in c and c not in ignore
            ]  # fmt: skip
            rows = con.execute(f'select {", ".join(columns)} from marts."{table}"').fetchall()
            result[table] = sorted(rows, key=repr)
        return result


def exports(home) -> dict[str, bytes]:
    folder = home / "exports" / "hr"
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(home) -> list[str]:
    """What an interrupted run may leave and a finished one must not."""
    batches = home / "events" / "_batches"
    found = [p for p in batches.glob("*.started") if not p.with_suffix(".json").exists()]
    found += list(home.glob(".source-gate-*")) + list(home.glob("build/*"))
    found += list((home / "exports" / "_staging").glob("*")) + list(home.glob("**/.*.tmp"))
    return sorted(str(p.relative_to(home)) for p in found)


@pytest.fixture(scope="module")
def undisturbed(landing, tmp_path_factory):
    home = tmp_path_factory.mktemp("undisturbed") / "home"
    done = run(landing, home)
    assert done.returncode == 0, done.stdout + done.stderr
    return marts(home), exports(home), home


def test_two_runs_at_once_one_runs_one_is_refused(landing, tmp_path, undisturbed):
    home = tmp_path / "home"
    command = [*PIONEER, "run", "--sources", str(landing), "--home", str(home), "--now", NOW]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "ab"
    ]
    results = [(p.wait(), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    refusal = next(err for code, _, err in results if code == 2)
    assert f"home {home} is in use by run 20261106T013000" in refusal and "since" in refusal
    assert (marts(home), exports(home)) == undisturbed[:2]
    assert leftovers(home) == []


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_kill_at_any_stage_boundary_is_recovered_by_one_plain_rerun(landing, tmp_path, undisturbed, point):
    home = tmp_path / "home"
    killed = run(landing, home, PIONEER_KILL_AT=point)
    assert killed.returncode == -9, killed.stdout + killed.stderr  # it died where it was told to
    rerun = run(landing, home)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert (marts(home), exports(home)) == undisturbed[:2]
    assert leftovers(home) == []
    if point == "export:csv":
        assert (
            "finished the publication of exports/hr/2026-09/pioneer_index_2026-09_v1.manifest.json"
            in rerun.stderr
        )


def test_the_lock_is_released_when_its_holder_dies(landing, tmp_path):
    """A killed run leaves its lock file but no lock: the kernel drops flock locks with the process."""
    home = tmp_path / "home"
    assert run(landing, home, PIONEER_KILL_AT="ingest:roster").returncode == -9
    assert (home / ".lock").exists()
    status = pioneer("status", "--home", str(home), "--json")  # a reader takes no lock
    assert status.returncode == 0 and json.loads(status.stdout)["events"]["by_source"]["roster"] > 0
    assert run(landing, home).returncode == 0


def test_dbt_dies_with_a_killed_run(landing, tmp_path):
    """dbt runs with PR_SET_PDEATHSIG: killing only the pioneer process also ends its dbt child."""
    import time

    home = tmp_path / "home"
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    command = [*PIONEER, "run", "--sources", str(landing), "--home", str(home), "--now", NOW]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 300
    dbt = []
    while not dbt and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        dbt = [pid for pid in children(proc.pid) if b"dbt" in cmdline(pid)]
    assert dbt, "dbt never started"
    proc.kill()
    proc.wait()
    for _ in range(50):
        if not any(os.path.exists(f"/proc/{pid}") and b"dbt" in cmdline(pid) for pid in dbt):
            break
        time.sleep(0.1)
    assert not any(os.path.exists(f"/proc/{pid}") and b"dbt" in cmdline(pid) for pid in dbt)
    assert run(landing, home).returncode == 0


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def test_doctor_reports_a_corrupted_home_and_repairs_it(landing, tmp_path, undisturbed):
    """The corruption two unlocked runs left (every event of a batch stored twice), an interrupted
    batch, a CSV without its manifest and staging junk: doctor names each, --repair mends them
    without deleting an event, and the next night runs to the undisturbed marts and exports."""
    import shutil

    home = tmp_path / "home"
    assert run(landing, home).returncode == 0
    assert pioneer("doctor", "--home", str(home)).stdout.strip() == "home is healthy"
    branch = home / "events" / "roster" / "branch"
    (original,) = [p for p in branch.glob("*.parquet") if p.name != "_empty.parquet"]
    copy = original.with_name("20261106T013000-roster-900.parquet")  # what a second run wrote
    shutil.copyfile(original, copy)
    (home / "events" / "_batches" / "20261106T013000-meeting-901.started").touch()
    manifest = home / "exports" / "hr" / "2026-10" / "pioneer_index_2026-10_v1.manifest.json"
    staged = home / "exports" / "_staging" / "pioneer_index_2026-10_v1"
    staged.mkdir(parents=True)
    shutil.move(manifest, staged / manifest.name)  # killed between the CSV and its manifest
    (home / ".source-gate-abc").mkdir()

    found = pioneer("doctor", "--home", str(home))
    assert found.returncode == 3, found.stdout + found.stderr
    for problem in (
        "one event per record version: roster/branch:",
        "every batch has its summary: batch 20261106T013000-meeting-901 never finished",
        "every published CSV has its manifest: pioneer_index_2026-10_v1.csv has no manifest",
        "nothing left in staging: .source-gate-abc",
    ):
        assert problem in found.stdout, found.stdout

    repaired = pioneer("doctor", "--home", str(home), "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert pioneer("doctor", "--home", str(home)).stdout.strip() == "home is healthy"
    assert (home / "events" / "_duplicates" / "roster" / "branch" / copy.name).exists()
    assert manifest.exists()  # its staged manifest matched the CSV: the publication was finished
    again = pioneer(
        "run", "--sources", str(landing), "--home", str(home), "--now", "2026-11-07T01:30:00+08:00"
    )
    assert again.returncode == 0, again.stdout + again.stderr
    # a day later: an appeal still open has been open a day longer (days_open runs to the clock)
    # and the cadence status is as of the clock's day (fct_branch_cadence_status: another day, another table)
    clockless = ("days_open",)
    repaired_marts, undisturbed_marts = marts(home, clockless), marts(undisturbed[2], clockless)
    for tables in (repaired_marts, undisturbed_marts):
        tables.pop("fct_branch_cadence_status")
    assert exports(home) == undisturbed[1] and repaired_marts == undisturbed_marts
