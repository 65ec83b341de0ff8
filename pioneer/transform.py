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


def run_dbt(settings: Settings, args: list[str], warehouse: Path) -> list[dict]:
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
        "--vars", json.dumps({"now": clock, "code_sha256": code_sha256()}),
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


def build(settings: Settings, full_refresh: bool = False) -> TransformSummary:
    """Build every model and run every dbt data test on a candidate copy of the warehouse.

    The candidate is published by :func:`publish` only after the gates passed.
    Incremental by default: the candidate starts as a copy of the published warehouse and dbt
    recomputes only the months that new events touch. ``full_refresh`` starts from an empty
    candidate and runs ``dbt build --full-refresh``: every month is recomputed.
    """
    from ingest.holds import ensure_ledger

    ensure_ledger(settings.home)  # the sources leave held deliveries out (ingest/holds.py)
    published, candidate = settings.layout.warehouse, settings.layout.candidate
    candidate.parent.mkdir(parents=True, exist_ok=True)
    candidate.unlink(missing_ok=True)
    if published.exists() and not full_refresh and built_code(published) != code_sha256():
        print("the dbt project changed since the last build: rebuilding every month", file=sys.stderr)
        full_refresh = True
    if published.exists() and not full_refresh:
        shutil.copyfile(published, candidate)
    # unit tests check the SQL, not the data: CI runs them (tests/dbt); the nightly build does not
    args = ["build", "--exclude-resource-type", "unit_test"] + (["--full-refresh"] if full_refresh else [])
    results = run_dbt(settings, args, candidate)
    return TransformSummary(
        models=sum(1 for r in results if r["unique_id"].startswith(("model.", "seed."))),
        tests=sum(1 for r in results if r["unique_id"].startswith(("test.", "unit_test."))),
        months_rebuilt=rebuilt_months(candidate),
        log_path=str(settings.layout.dbt_log),
    )


def publish(settings: Settings) -> Path:
    """Replace the published warehouse with the candidate in one atomic rename (shared with the
    analysts' ``warehouse_group`` first, when one is configured)."""
    from core.home import share

    share(settings.layout.candidate, settings.warehouse_group, 0o640)
    os.replace(settings.layout.candidate, settings.layout.warehouse)
    return settings.layout.warehouse


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
