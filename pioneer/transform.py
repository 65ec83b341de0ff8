"""Transform stage: run the dbt project over the event store, build elsewhere, publish in one step.

The published warehouse ``HOME/warehouse.duckdb`` is never written in place: dbt builds a
candidate copy under ``HOME/build/`` and, when every model, dbt test and mart gate passed,
the candidate replaces the published file with one atomic rename. Analysts holding the old file open keep reading a
complete (older) warehouse; nobody ever sees a half-built mart.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from core.config import Settings

PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"


# what the dbt project's code is made of (the build's output depends on nothing else but the
# events, the clock and the rules); the rules are data, not code: a changed rules row rebuilds the
# months it governs (int_months carries every constant, int_touched_months compares it)
CODE_PARTS = ("dbt_project.yml", "models", "macros", "tests", "seeds")
DATA_PARTS = ("seeds/rules.csv",)


def code_sha256() -> str:
    """sha256 of the dbt project's code: every file of :data:`CODE_PARTS`, by relative path and bytes.

    Each build stores it in ``audit.build_code``; a build whose code differs from the published
    warehouse's (a new release: a new column, a changed rule of a model) rebuilds every month
    instead of carrying months the old code computed. The event store's format is part of it: the
    warehouse's incremental tables carry event ids, so a migrated store (new ids) is rebuilt whole
    by the first build after ``pioneer migrate``."""
    from ingest.schema import STORE_FORMAT

    digest = hashlib.sha256(f"store format {STORE_FORMAT}\0".encode())
    for part in CODE_PARTS:
        root = PROJECT_DIR / part
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file() and str(path.relative_to(PROJECT_DIR)) not in DATA_PARTS:
                digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def built_code(warehouse: Path) -> str | None:
    """The code sha256 the warehouse was built with (None: built before it was recorded)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            return con.execute("select code_sha256 from audit.build_code").fetchone()[0]
        except duckdb.CatalogException:
            return None


class TransformError(RuntimeError):
    """dbt failed; the message names the failing nodes and the log to read."""


@dataclass
class TransformSummary:
    models: int = 0
    tests: int = 0
    months_rebuilt: list[str] = field(default_factory=list)
    log_path: str = ""


def project_dir(settings: Settings) -> Path:
    """The dbt project a home builds, ``HOME/dbt/project``: the shipped project's code (symbolic
    links to every part of :data:`PROJECT_DIR`, and to every seed file but the rules: the
    vocabulary seeds, ``seeds/vocabulary/``, are code) with the home's rules as
    ``seeds/rules.csv``: the configured rules file (``Settings.rules_file``) as
    :func:`core.rules.stage_rules` validated and kept it. So every home scores with its own
    rules file while the code stays one (``dbt seed`` loads it on every target)."""
    from core.rules import stage_rules

    rules = stage_rules(settings.rules_file, settings.home) / "rules.csv"
    project = settings.layout.dbt_project
    (project / "seeds").mkdir(parents=True, exist_ok=True)
    for part in sorted(PROJECT_DIR.iterdir()):
        if part.name not in ("seeds", "target", "logs", "dbt_packages"):
            _link(project / part.name, part)
    for part in sorted((PROJECT_DIR / "seeds").rglob("*")):  # dbt walks no linked folder: link files
        linked = project / part.relative_to(PROJECT_DIR)
        if part.is_file() and part != PROJECT_DIR / "seeds" / "rules.csv":
            if linked.parent.is_symlink():
                linked.parent.unlink()
            linked.parent.mkdir(parents=True, exist_ok=True)
            _link(linked, part)
    seed = project / "seeds" / "rules.csv"
    if not seed.exists() or seed.read_bytes() != rules.read_bytes():
        shutil.copyfile(rules, project / "seeds" / ".rules.csv")
        os.replace(project / "seeds" / ".rules.csv", seed)
    return project


def _link(link: Path, target: Path) -> None:
    """Make ``link`` a symbolic link to ``target``, atomically (a copied home holds copies, not
    links: a copied folder is replaced)."""
    if link.is_symlink() and link.readlink() == target:
        return
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)
    scratch = link.with_name(f".{link.name}.{os.getpid()}")
    scratch.unlink(missing_ok=True)
    scratch.symlink_to(target)
    os.replace(scratch, link)


def dbt_env(settings: Settings, warehouse: Path) -> dict[str, str]:
    """Environment of a dbt invocation: the home it reads and the warehouse it writes."""
    env = dict(os.environ)
    env.update(
        PIONEER_HOME=str(settings.home.resolve()),
        PIONEER_WAREHOUSE_PATH=str(warehouse.resolve()),
        PIONEER_DUCKDB_MEMORY_LIMIT=settings.duckdb_memory_limit,
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def run_dbt(settings: Settings, args: list[str], warehouse: Path, dbt_vars: dict | None = None) -> list[dict]:
    """Run one dbt command; return its run results, raise TransformError on failure."""
    target, logs = settings.layout.dbt_target, settings.layout.dbt / "logs"
    dbt = Path(sys.executable).parent / "dbt"
    clock = settings.clock().replace(tzinfo=None).isoformat(timespec="seconds")
    cmd = [
        str(dbt), *args,
        "--project-dir", str(project_dir(settings)),
        "--profiles-dir", str(PROJECT_DIR),
        "--target", settings.dbt_target,
        "--target-path", str(target),
        "--log-path", str(logs),
        "--vars", json.dumps({"now": clock, "code_sha256": code_sha256(), **(dbt_vars or {})}),
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, env=dbt_env(settings, warehouse), capture_output=True, text=True, preexec_fn=_die_with_parent
    )
    settings.layout.dbt_log.parent.mkdir(parents=True, exist_ok=True)
    settings.layout.dbt_log.write_text(proc.stdout + proc.stderr)
    results_file = target / "run_results.json"
    results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
    if proc.returncode != 0:
        failed = [r["unique_id"] for r in results if r["status"] in ("error", "fail")]
        where = ", ".join(failed[:5]) or "see the log"
        raise TransformError(f"dbt {args[0]} failed ({where}); log: {settings.layout.dbt_log}")
    return results


def _die_with_parent() -> None:
    """In the dbt child, before it runs: the kernel kills it when the run's process dies (even by
    SIGKILL), so a killed run never leaves dbt writing its candidate warehouse (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


# The models whose rows depend on the clock's day (not only on its month): all that a night with
# nothing new since the published build has to recompute, with the build machinery that reports
# the months rebuilt (none: int_touched_months selects nothing when the pipeline passes
# `inputs_unchanged`). Every other model would rebuild what it holds.
CLOCK_MODELS = (
    "int_touched_months", "int_dirty_months", "rebuilt_months", "fct_branch_cadence_status", "fct_member_appeals",
)  # fmt: skip
REBUILD = "the dbt project changed since the last build: rebuilding every month"
UNPUBLISHED = "the work warehouse does not hold the published build: rebuilding every month"
# dbt's tag of the models that stay in the work warehouse: the large row- and day-level tables that
# only other models read (not in the warehouse analysts get; dbt_project.yml tags them)
WORK_ONLY_TAG = "work_only"


def build_inputs(settings: Settings) -> dict[str, str]:
    """What a build's output depends on besides the clock's day: the event store (every Parquet
    file by path, size and modification time: files are never rewritten in place), the rules, the
    code, the clock's month, the target and where the home is. Two builds with equal inputs differ only in the models
    of :data:`CLOCK_MODELS`."""
    events = hashlib.sha256()
    for path in sorted(settings.layout.events.rglob("*.parquet")):
        stat = path.stat()
        events.update(
            f"{path.relative_to(settings.layout.events)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
        )
    rules = (project_dir(settings) / "seeds" / "rules.csv").read_bytes()
    return {
        "events": events.hexdigest(),
        "rules": hashlib.sha256(rules).hexdigest(),
        "code": code_sha256(),
        "month": settings.clock().strftime("%Y-%m"),
        "target": settings.dbt_target,
        "home": str(settings.home.resolve()),  # the staging views name it
    }


def build(settings: Settings, full_refresh: bool = False) -> TransformSummary:
    """Build every model and run every dbt data test, then assemble the candidate warehouse.

    dbt builds the **work warehouse** (``layout.work_warehouse``) in place: incremental by default,
    dbt recomputes only the months that new events touch (dbt_project/README.md, "Incremental
    builds"). The candidate (``layout.candidate``) is a new file holding every relation of the
    work warehouse but the large ones tagged ``work_only``; :func:`publish` renames it over the
    published warehouse once the gates passed. The work warehouse is trusted only while the build
    it holds is the published one (``layout.work_published``, written by :func:`publish`): a build
    removes that record before dbt writes, so after a failed test or gate, or a crash anywhere, the
    next build starts from an empty work warehouse and computes what a night without the failed
    one would have (a first build: every month). ``full_refresh`` also runs ``dbt build
    --full-refresh``. A night whose inputs (:func:`build_inputs`) equal the published build's
    rebuilds only :data:`CLOCK_MODELS`.
    """
    from ingest.holds import ensure_ledger

    ensure_ledger(settings.home)  # the sources leave held deliveries out (ingest/holds.py)
    layout = settings.layout
    published, candidate, work = layout.warehouse, layout.candidate, layout.work_warehouse
    candidate.parent.mkdir(parents=True, exist_ok=True)
    for scratch in (candidate, candidate.with_name(candidate.name + ".wal"), layout.candidate_inputs):
        scratch.unlink(missing_ok=True)
    inputs = build_inputs(settings)
    last = json.loads(layout.work_published.read_text()) if layout.work_published.exists() else None
    fresh = full_refresh or last is None or not work.exists() or not published.exists()
    if published.exists() and not full_refresh and built_code(published) != code_sha256():
        print(REBUILD, file=sys.stderr)
        full_refresh = fresh = True
    elif published.exists() and fresh and not full_refresh:
        print(UNPUBLISHED, file=sys.stderr)
    # from here on the work warehouse no longer holds the published build
    layout.work_published.unlink(missing_ok=True)
    _sync_dir(layout.work_published.parent)
    if fresh:
        for stale in (work, work.with_name(work.name + ".wal")):
            stale.unlink(missing_ok=True)
    work.parent.mkdir(parents=True, exist_ok=True)
    quiet = not fresh and last == inputs
    # unit tests check the SQL, not the data: CI runs them (tests/dbt); the nightly build does not
    args = ["build", "--exclude-resource-type", "unit_test"] + (["--full-refresh"] if full_refresh else [])
    if quiet:
        print("nothing new since the published build: rebuilding the clock's models only", file=sys.stderr)
        args += ["--select", *CLOCK_MODELS]
    results = run_dbt(settings, args, work, {"inputs_unchanged": quiet})
    assemble_candidate(settings, work, candidate, results, fresh)
    layout.candidate_inputs.write_text(json.dumps(inputs, indent=2) + "\n")
    return TransformSummary(
        models=sum(1 for r in results if r["unique_id"].startswith(("model.", "seed."))),
        tests=sum(1 for r in results if r["unique_id"].startswith(("test.", "unit_test."))),
        months_rebuilt=rebuilt_months(candidate),
        log_path=str(settings.layout.dbt_log),
    )


def assemble_candidate(
    settings: Settings, work: Path, candidate: Path, results: list[dict], fresh: bool
) -> None:
    """Write ``candidate`` from the work warehouse: every schema, view and table of it but the
    tables of models tagged :data:`WORK_ONLY_TAG`.

    After a build that continued from the published one (``fresh`` false), the candidate starts as
    a copy of the published file, which equals what the work warehouse held before this build, and
    only what this build wrote is carried over: of a model built by months (strategy
    ``replace_months``) the months it replaced, the months of ``int_dirty_months`` (as the strategy
    does); of every other model or seed that dbt ran, all rows. A fresh build's candidate is a new
    file: DuckDB's ``COPY FROM DATABASE ... (SCHEMA)`` (schemas, views, tables, comments), then the
    rows of every table."""
    import duckdb

    manifest = json.loads((settings.layout.dbt_target / "manifest.json").read_text())
    nodes = {
        (node["schema"], node["alias"]): node
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }
    ran = {r["unique_id"] for r in results if r["status"] == "success"}
    if not fresh:
        shutil.copyfile(settings.layout.warehouse, candidate)
    with duckdb.connect(str(candidate)) as con:
        con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'")
        con.execute(f"attach '{_sql_string(work)}' as work (read_only)")
        if fresh:
            con.execute(f"copy from database work to {_catalog(candidate)} (schema)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'work' order by all"
        ).fetchall()
        for schema, table in tables:
            node, target = nodes.get((schema, table)), f'"{schema}"."{table}"'
            if node is not None and WORK_ONLY_TAG in node["tags"]:
                if fresh:
                    con.execute(f"drop table {target}")
                continue
            if fresh:
                con.execute(f"insert into {target} by name select * from work.{target}")
            elif node is not None and node["unique_id"] in ran:
                con.execute("begin")
                if node["config"].get("incremental_strategy") == "replace_months" and not node["config"].get(
                    "months_from"
                ):
                    column = node["config"].get("month_column", "month_start")
                    months = (
                        f"{column} in (select {'month' if column == 'month' else 'month_start'}"
                        " from work.intermediate.int_dirty_months)"
                    )
                    con.execute(f"delete from {target} where {months}")
                    con.execute(f"insert into {target} by name select * from work.{target} where {months}")
                else:
                    con.execute(f"delete from {target}")
                    con.execute(f"insert into {target} by name select * from work.{target}")
                con.execute("commit")
        if not fresh:  # dbt recreated every view; theirs name the home's current path
            views = "select sql from duckdb_views() where database_name = 'work' and not internal order by view_oid"
            for (sql,) in con.execute(views).fetchall():
                con.execute(sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
        con.execute("detach work")


def _catalog(path: Path) -> str:
    """DuckDB's catalog name of a database file (its stem)."""
    return f'"{path.stem}"'


def _sql_string(path: Path) -> str:
    return str(path).replace("'", "''")


def _sync_dir(folder: Path) -> None:
    """Make a removal or rename in ``folder`` durable before what depends on it."""
    if folder.is_dir():
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def publish(settings: Settings) -> Path:
    """Replace the published warehouse with the candidate in one atomic rename (shared with the
    analysts' ``warehouse_group`` first, when one is configured); then record that the work
    warehouse holds the published build (the next build may continue from it)."""
    from core.home import share

    layout = settings.layout
    share(layout.candidate, settings.warehouse_group, 0o640)
    os.replace(layout.candidate, layout.warehouse)
    _sync_dir(layout.warehouse.parent)
    if layout.candidate_inputs.exists():
        os.replace(layout.candidate_inputs, layout.work_published)
        _sync_dir(layout.work_published.parent)
    return layout.warehouse


def rebuilt_months(warehouse: Path) -> list[str]:
    """Months of the member index that this build recomputed (``audit.rebuilt_months``).

    A full build lists every month of the marts; an incremental one only the months that arrivals,
    the clock or a rule change touched and the months that read them (dbt_project/README.md,
    "Incremental builds"). Months without a scored member (before the roster's first full month)
    and months no longer reported are not listed.
    """
    import duckdb

    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [
            row[0] for row in con.execute("select month from audit.rebuilt_months order by month").fetchall()
        ]
