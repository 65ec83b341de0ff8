"""One writer per home, and clean recovery after a crash.

A run (``pioneer run``) holds the home's lock ``HOME/.lock`` exclusively for its whole duration.
Airflow's tasks take the same lock through :func:`home_lock`: the ingest tasks of one DAG run
share it (each source also holds ``HOME/.lock-<source>`` exclusively, so one source is never
ingested twice at once) and transform and export hold it exclusively, so the CLI beside the DAG,
or cron beside a hand-started run, never write one home together. The locks are ``flock``
locks: the kernel releases them when their process dies, so a crash never leaves a stale lock.
Readers (``status``, ``sql``, analysts) take no lock.

The holder writes who it is into its lock file; a refused run names it: "home is in use by run X
since T". After a crash, the next writer clears what the interrupted run left
(:func:`clear_leftovers`): reservations of batches that never finished, source-gate scratch
folders, a stale candidate warehouse, export staging folders (after finishing or rolling back an
interrupted publication, ``exports.hr.recover_publications``).

A home is private whatever the umask: a writer works under umask 077 (folders 0700, files 0600),
and only what is meant to be picked up is shared, with a configured group (:func:`share`):
the published HR exports (``export_group``: files 0640, their folders 0750) and the published
warehouse (``warehouse_group``: 0640). The home itself is then 0711 (others may pass through to
those paths, not list anything); else 0700. :func:`wider_modes` lists what breaks that.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)


class HomeInUse(RuntimeError):
    """Another run holds the home (exit 2)."""


def _holder(path: Path) -> str:
    try:
        who = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "another run"
    if not who:
        return "another run"
    return f"run {who.get('run')} (pid {who.get('pid')}) since {who.get('since')}"


def _acquire(path: Path, mode: int, wait_seconds: float) -> int:
    """An open fd of ``path`` holding ``flock(mode)``; HomeInUse after ``wait_seconds``."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                holders = [_holder(p) for p in sorted(path.parent.glob(".lock*")) if p.stat().st_size]
                raise HomeInUse(
                    f"home {path.parent} is in use by {'; '.join(holders) or 'another run'}"
                ) from None
            time.sleep(0.2)


def _write_holder(fd: int, run: str) -> None:
    os.ftruncate(fd, 0)
    since = dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
    os.pwrite(fd, json.dumps({"run": run, "pid": os.getpid(), "since": since}).encode(), 0)


PRIVATE_UMASK = 0o077


def home_mode(settings) -> int:
    return 0o711 if settings.export_group or settings.warehouse_group else 0o700


def make_private(settings) -> None:
    """Everything this process creates from now on is private (umask 077); the home exists with
    :func:`home_mode`."""
    os.umask(PRIVATE_UMASK)
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(settings.home, home_mode(settings))


def share(path: Path, group: str | None, mode: int) -> None:
    """Give ``path`` to ``group`` with ``mode`` (e.g. 0640); without a group it stays private."""
    if group:
        import grp

        os.chown(path, -1, grp.getgrnam(group).gr_gid)
        os.chmod(path, mode)


def allowed_mode(settings, path: Path) -> int:
    """The widest mode ``path`` under the home may have (see the module doc)."""
    home = settings.home
    if path == home:
        return home_mode(settings)
    relative = path.relative_to(home).parts
    if relative == ("warehouse.duckdb",) and settings.warehouse_group:
        return 0o640
    if settings.export_group and relative[:2] in (("exports",), ("exports", "hr"), ("exports", "notice")):
        if path.is_dir() and len(relative) <= 3:  # exports, exports/hr|notice, exports/hr|notice/<period>
            return 0o750
        if len(relative) == 4 and relative[1] in ("hr", "notice"):  # exports/hr|notice/<period>/<file>
            return 0o640
        if relative == ("exports", "hr", "README_HR.md"):  # what HR receives, for HR
            return 0o640
    return 0o700 if path.is_dir() else 0o600


def wider_modes(settings) -> list[tuple[Path, int, int]]:
    """``(path, mode, allowed)`` of every file or folder under the home wider than allowed."""
    paths = [settings.home]
    for folder, dirs, files in os.walk(settings.home):
        paths += [Path(folder) / name for name in dirs + files]
    wider = []
    for path in paths:
        if not path.is_symlink():
            mode, allowed = path.stat().st_mode & 0o777, allowed_mode(settings, path)
            if mode & ~allowed:
                wider.append((path, mode, allowed))
    return wider


@contextlib.contextmanager
def home_lock(home: Path, run: str, source: str | None = None, wait_seconds: float = 0) -> Iterator[None]:
    """Hold the home for a writer: exclusively, or (``source`` given) shared with the other
    sources' ingestion and exclusively for that source. Raises HomeInUse when another writer
    holds it for longer than ``wait_seconds``."""
    home.mkdir(parents=True, exist_ok=True)
    fds = [_acquire(home / ".lock", fcntl.LOCK_SH if source else fcntl.LOCK_EX, wait_seconds)]
    try:
        if source:
            fds.append(_acquire(home / f".lock-{source}", fcntl.LOCK_EX, wait_seconds))
        _write_holder(fds[-1], run)
        yield
    finally:
        for fd in reversed(fds):
            os.ftruncate(fd, 0)
            os.close(fd)  # closing the last fd of the open file releases its flock


CRASH_POINTS = (
    "ingest:roster",  # after each source's ingest and gate
    "ingest:meeting",
    "ingest:learning",
    "ingest:performance",
    "ingest:admin",
    "ingest:appeals",
    "transform:built",  # dbt built the candidate; gate not run
    "transform:published",  # the candidate replaced the warehouse
    "export:csv",  # a month's CSV is in the HR folder, its manifest not yet
    "export:month",  # a month's version is published, the next not yet
)


def crash_point(kill_at: str | None, point: str) -> None:
    """Test hook (``Settings.kill_at``): die here as a ``kill -9`` would, without cleaning up."""
    if kill_at == point:
        os.kill(os.getpid(), signal.SIGKILL)


def orphan_batches(home: Path) -> list[Path]:
    """Reservations of batches that never wrote their summary (an interrupted batch)."""
    batches = home / "events" / "_batches"
    return sorted(p for p in batches.glob("*.started") if not p.with_suffix(".json").exists())


def scratch(home: Path) -> list[Path]:
    """What only an interrupted run leaves: half-written parquet files, source-gate scratch
    folders, a candidate warehouse, export staging."""
    from exports.hr import staging_dir

    found = [
        p
        for pattern in ("events/*/.*.tmp", "events/*/*/.*.tmp", "quarantine/*/.*.tmp")
        for p in home.glob(pattern)
    ]
    found += [*home.glob(".source-gate-*"), *home.glob("build/*"), *staging_dir(home).glob("*")]
    return sorted(found)


def remove(path: Path) -> None:
    shutil.rmtree(path) if path.is_dir() else path.unlink()


def clear_leftovers(home: Path) -> list[str]:
    """Remove what an interrupted run left under ``home`` (call with the home held exclusively),
    after finishing or rolling back its interrupted publications: :func:`orphan_batches` and
    :func:`scratch`. Returns what it did, one line each (paths relative to ``home``)."""
    from exports.hr import recover_publications

    cleared = recover_publications(home)
    for path in orphan_batches(home) + scratch(home):
        remove(path)
        cleared.append(f"removed {path.relative_to(home)}")
    for line in cleared:
        log.warning("after an interrupted run: %s", line)
    return cleared
