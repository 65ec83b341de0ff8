"""Time machine: rebuild the warehouse of a past night (``replay``) and re-derive every published
HR file from the event store (``audit``), docs/outputs.md "Command line".

``replay`` never writes the home it reads, opens nothing of it for writing and takes no lock: it
builds a read-only *view* of the home as it stood after one run, ``DIR/home``, made of symbolic
links to the home's own immutable files, and runs the same full build the nightly job runs
(:func:`pioneer.transform.build` with ``full_refresh``) over that view with that run's clock:

- the run: the last run recorded on the home (``HOME/runs/run_*.json``, its ``clock``) whose clock
  is at or before ``--as-of``. When that run did not publish a warehouse (a gate stopped it before
  the marts were published), the warehouse "as it stood" is the one the last earlier run published,
  and that is the run replayed (:attr:`Replayed.run` names it, :attr:`Replayed.as_of_run` the one
  asked for);
- the events: every file of the event store, the quarantine and the files ledger whose rows were
  all recorded (``recorded_at``) at or before that run's clock; every store file belongs to one
  batch and is written by one run with one clock, so a file is in or out as a whole;
- the holds ledger (``events/_holds``): only the decisions recorded at or before that clock, so a
  delivery held then is left out, and one accepted later is left out too;
- the rules: the rules file that run built with. Every run records the sha256 of its rules file
  (``rules_sha256`` in its run record) and its build keeps the file in the home,
  ``HOME/rules/<sha256>/rules.csv`` (:func:`core.rules.stage_rules`), so a night scored under
  a rules file since replaced replays under its own rules. A run whose rules are not kept there
  (recorded before the home kept them) replays with the shipped file when its sha256 is the
  shipped one's and is refused (:class:`ReplayRefused`, exit 2) otherwise, because it could not
  rebuild that night's marts with that night's rules. Run records written before
  ``rules_sha256`` existed do not say which rules they used: the shipped file is assumed.

The replayed warehouse is ``DIR/warehouse.duckdb``; ``DIR/home`` keeps the view and dbt's logs.

``audit`` replays, for every published HR version, the run that published it (the run whose clock
is the manifest's ``created_at``, to the second), renders that period's CSV from the replayed marts
with the exporter's own functions (:func:`exports.hr.month_rows`, :func:`exports.hr.render_csv`)
and compares sha256 of the re-derived bytes with the published file and with its manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.config import SHANGHAI, Settings
from core.layout import Home
from ingest.schema import sql_text


class ReplayRefused(ValueError):
    """Replay cannot reproduce the night asked for (no run then, rules not kept, a bad output
    directory): exit 2."""


@dataclass
class RunRecord:
    path: Path
    clock: dt.datetime
    published: bool  # the run published a warehouse (its transform stage returned)
    rules_sha256: str | None


@dataclass
class Replayed:
    run: RunRecord  # the run whose published warehouse was rebuilt
    as_of_run: RunRecord  # the last run at or before --as-of (the same unless it published nothing)
    warehouse: Path
    files: int  # store files in the view
    rules_assumed: bool  # the run record named no rules file: the shipped one was assumed


@dataclass
class AuditLine:
    path: Path
    ok: bool
    detail: str = ""

    def __str__(self) -> str:
        return f"ok {self.path}" if self.ok else f"MISMATCH {self.path}: {self.detail}"


@dataclass
class AuditReport:
    lines: list[AuditLine] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)


def rules_of(home: Path, run: RunRecord) -> Path:
    """The rules file ``run`` built with (see the module docstring)."""
    from core.rules import SHIPPED_RULES, kept_rules, rules_sha256

    if run.rules_sha256 is None:
        return SHIPPED_RULES
    kept = kept_rules(home, run.rules_sha256)
    if kept:
        return kept
    if run.rules_sha256 == rules_sha256(SHIPPED_RULES):
        return SHIPPED_RULES
    raise ReplayRefused(
        f"run {run.path.name} ({run.clock.isoformat()}) used the rules file of sha256 {run.rules_sha256}, "
        f"which {Home(home).kept_rules} does not keep and the shipped {SHIPPED_RULES} is not; "
        "put that night's rules file there as <sha256>/rules.csv to replay it"
    )


def _local(moment: dt.datetime) -> dt.datetime:
    """An instant as naive Asia/Shanghai local time (the store's ``recorded_at`` convention)."""
    return moment.astimezone(SHANGHAI).replace(tzinfo=None) if moment.tzinfo else moment


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def run_records(home: Path) -> list[RunRecord]:
    """Every run recorded on the home, oldest clock first (records before ``clock`` existed give
    ``started_at``, the same clock to the second)."""
    records = []
    for path in sorted((Home(home).runs).glob("run_*.json")):
        record = json.loads(path.read_text())
        records.append(
            RunRecord(
                path=path,
                clock=_aware(dt.datetime.fromisoformat(record.get("clock") or record["started_at"])),
                published=bool(record.get("warehouse")),
                rules_sha256=record.get("rules_sha256"),
            )
        )
    return sorted(records, key=lambda r: (r.clock, r.path.stat().st_mtime_ns))


def run_as_of(home: Path, as_of: dt.datetime) -> tuple[RunRecord, RunRecord]:
    """(the run whose published warehouse stood at ``as_of``, the last run at or before it)."""
    records = [r for r in run_records(home) if r.clock <= _aware(as_of)]
    if not records:
        raise ReplayRefused(f"no run recorded on {home} at or before {_aware(as_of).isoformat()}")
    published = [r for r in records if r.published]
    if not published:
        raise ReplayRefused(
            f"no run on {home} at or before {_aware(as_of).isoformat()} published a warehouse "
            f"(the last one, {records[-1].path.name}, published none)"
        )
    return published[-1], records[-1]


def _store_files(home: Path) -> Iterator[tuple[Path, Path]]:
    """(folder, parquet file) of every store file under the home's events and quarantine (names
    starting with a dot are writers' temporary files, never part of the store)."""
    for base in Home(home).store:
        if not base.is_dir():
            continue
        for folder, _dirs, names in os.walk(base):
            for name in sorted(names):
                if name.endswith(".parquet") and not name.startswith("."):
                    yield Path(folder), Path(folder) / name


def _recorded_at(con: duckdb.DuckDBPyConnection, path: Path) -> dt.datetime | None:
    """The latest ``recorded_at`` of a store file; None for an empty file or one without it."""
    columns = [
        row[0]
        for row in con.execute(f"describe select * from read_parquet({sql_text(str(path))})").fetchall()
    ]
    if "recorded_at" not in columns:
        return None
    return con.execute(f"select max(recorded_at) from read_parquet({sql_text(str(path))})").fetchone()[0]


def _batch_stamp(name: str) -> dt.datetime | None:
    """The clock in a batch file's name (``<YYYYmmddTHHMMSS>-…``), naive local time."""
    try:
        return dt.datetime.strptime(name[:15], "%Y%m%dT%H%M%S")
    except ValueError:
        return None


def build_view(home: Path, view: Path, clock: dt.datetime) -> int:
    """Make ``view`` the store of ``home`` as it stood at ``clock``: a symbolic link to every store
    file recorded at or before it (``_empty.parquet`` always). Returns how many files it links."""
    cutoff = _local(clock)
    linked = 0
    with duckdb.connect() as con:
        for folder, path in _store_files(home):
            if path.name != "_empty.parquet":
                recorded = _recorded_at(con, path)
                if recorded is None:  # no rows, or no recorded_at: the batch id in its name says when
                    recorded = _batch_stamp(path.name)
                if recorded is None or recorded > cutoff:
                    continue
            target = view / folder.relative_to(home) / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path.resolve())
            linked += 1
    from ingest.store import EventStore

    EventStore(view).db.close()  # the empty files (and folders) a home made before some entity lacks
    return linked


def _check_out(home: Path, out: Path) -> None:
    home, out = home.resolve(), out.resolve()
    if out == home or home in out.parents:
        raise ReplayRefused(f"--out {out} is inside the home {home}, which is only read")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReplayRefused(f"--out {out} is not a new or empty directory")


def replay(home: Path, as_of: dt.datetime, out: Path) -> Replayed:
    """Rebuild into ``out`` the warehouse as it stood after the last run on ``home`` at or before
    ``as_of`` (see the module's docstring); ``home`` is only read."""
    home = Path(home).resolve()
    if not (Home(home).runs).is_dir():
        raise ReplayRefused(f"no pipeline home with run records at {home}")
    _check_out(home, out)
    run, as_of_run = run_as_of(home, as_of)
    warehouse, files = rebuild(home, run, rules_of(home, run), out)
    return Replayed(run, as_of_run, warehouse, files, rules_assumed=run.rules_sha256 is None)


def rebuild(home: Path, run: RunRecord, rules: Path, out: Path) -> tuple[Path, int]:
    """Full build of ``home``'s store as ``run`` left it, with its clock and the ``rules`` file,
    into ``out/warehouse.duckdb`` (``out/home`` keeps the view and dbt's logs); (warehouse, files
    in the view). The home is only read."""
    from pioneer.transform import build

    out = Path(out).resolve()
    view = out / "home"
    view.mkdir(parents=True)
    files = build_view(home, view, run.clock)
    settings = Settings(home=view, now=run.clock, dbt_target="duckdb", rules_file=rules)
    build(settings, full_refresh=True)
    warehouse = out / "warehouse.duckdb"
    os.replace(settings.layout.candidate, warehouse)
    return warehouse, files


# ---- audit ------------------------------------------------------------------------------------


def _first_difference(expected: bytes, actual: bytes) -> str:
    want, got = (
        expected.decode("utf-8", "replace").splitlines(),
        actual.decode("utf-8", "replace").splitlines(),
    )
    for n, (a, b) in enumerate(zip(want, got, strict=False), start=1):
        if a != b:
            return f"line {n}: re-derived {a!r}, published {b!r}"
    if len(want) != len(got):
        n = min(len(want), len(got)) + 1
        extra = want[n - 1] if len(want) > len(got) else got[n - 1]
        side = "re-derived only" if len(want) > len(got) else "published only"
        return f"line {n}: {side} {extra!r}"
    return "same rows, different bytes"


def _publishing_run(records: list[RunRecord], created_at: str) -> RunRecord | None:
    """The run that published a version: its clock, to the second, is the manifest's ``created_at``."""
    stamp = _aware(dt.datetime.fromisoformat(created_at))
    matching = [r for r in records if r.clock.replace(microsecond=0) == stamp]
    return matching[-1] if matching else None


def audit(home: Path, work: Path | None = None) -> AuditReport:
    """Re-derive every published HR version and notice as of the run that published it and
    compare sha256 with the published file and its manifest. ``work``: where the replays go (default: a
    temporary directory, removed afterwards)."""
    from exports.hr import derive, published_csvs

    home = Path(home).resolve()
    if work is None:
        with tempfile.TemporaryDirectory(prefix="pioneer-audit-") as tmp:
            return audit(home, Path(tmp))
    records = run_records(home)
    report = AuditReport()
    replays: dict[Path, Path] = {}  # run record → its replayed warehouse
    for csv_path in published_csvs(home):
        manifest_path = csv_path.with_name(csv_path.name.removesuffix(".csv") + ".manifest.json")
        published = csv_path.read_bytes()
        if not manifest_path.exists():
            report.lines.append(AuditLine(csv_path, False, "no manifest"))
            continue
        manifest = json.loads(manifest_path.read_text())
        run = _publishing_run(records, manifest["created_at"])
        if run is None:
            report.lines.append(
                AuditLine(csv_path, False, f"no run record with clock {manifest['created_at']}")
            )
            continue
        if run.path not in replays:
            replays[run.path] = replay(home, run.clock, work / f"replay_{len(replays) + 1}").warehouse
        with duckdb.connect(str(replays[run.path]), read_only=True) as con:
            derived = derive(con, manifest)
        derived_sha = hashlib.sha256(derived).hexdigest()
        file_sha = hashlib.sha256(published).hexdigest()
        if derived_sha == file_sha == manifest["sha256"]:
            report.lines.append(AuditLine(csv_path, True))
        elif derived_sha != file_sha:
            report.lines.append(AuditLine(csv_path, False, _first_difference(derived, published)))
        else:
            report.lines.append(
                AuditLine(
                    csv_path, False, f"manifest sha256 {manifest['sha256']} is not the file's {file_sha}"
                )
            )
    return report
