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
