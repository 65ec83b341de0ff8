"""The home's lock (core.home.home_lock): one writer, or the sources' ingestion side by side.

Each holder runs in a process of its own (flock locks belong to open files, so a second process
is what a second run is)."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from core.home import HomeInUse, home_lock


def _hold(home, run, source, ready, release):
    with home_lock(home, run, source):
        ready.set()
        release.wait(30)


@pytest.fixture
def holder(tmp_path):
    """Start a process holding the home (``source`` None: exclusively) until the test ends."""
    ctx = multiprocessing.get_context("spawn")
    procs = []

    def start(run: str, source: str | None = None):
        ready, release = ctx.Event(), ctx.Event()
        proc = ctx.Process(target=_hold, args=(tmp_path, run, source, ready, release))
        proc.start()
        assert ready.wait(30)
        procs.append((proc, release))
        return release

    yield start
    for proc, release in procs:
        release.set()
        proc.join(30)


def test_a_second_writer_is_refused_naming_the_first(tmp_path, holder):
    holder("20261106T013000")
    with (
        pytest.raises(HomeInUse, match=r"is in use by run 20261106T013000 \(pid \d+\) since "),
        home_lock(tmp_path, "2nd"),
    ):
        pass
    with pytest.raises(HomeInUse), home_lock(tmp_path, "2nd", source="meeting"):
        pass  # an ingest task cannot start beside a run either


def test_sources_ingest_side_by_side_but_one_source_once(tmp_path, holder):
    holder("dag-run", source="roster")
    with home_lock(tmp_path, "dag-run", source="meeting"):
        pass  # another source: allowed
    with pytest.raises(HomeInUse, match="in use by run dag-run"), home_lock(tmp_path, "x", source="roster"):
        pass
    with pytest.raises(HomeInUse), home_lock(tmp_path, "cli"):
        pass  # the whole home, while a source is ingested: refused


def test_a_writer_may_wait_for_the_home(tmp_path, holder):
    release = holder("first")
    started = time.monotonic()
    with pytest.raises(HomeInUse), home_lock(tmp_path, "second", wait_seconds=0.5):
        pass
    assert time.monotonic() - started >= 0.5
    release.set()
    with home_lock(tmp_path, "second", wait_seconds=30):
        pass  # got it once the first let go
