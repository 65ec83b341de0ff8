"""Progress of a run, stage by stage (docs/outputs.md: "`run` shows its progress as it goes, each stage
as it starts and ends, with its duration").

A stage is timed with :func:`stage`; the lines go to the ``pioneer.progress`` logger, so they
reach whatever shows the run: ``pioneer run`` writes them to stderr (:func:`to_stderr`), an
Airflow task's log shows them like any other logging. One line when a stage starts and one when
it ends, with its wall-clock duration (not the pipeline clock, which is one instant per run).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

log = logging.getLogger("pioneer.progress")


@dataclass
class Timings:
    """The durations (seconds) of the stages timed so far, in the order they ran."""

    started: float = field(default_factory=time.monotonic)
    stages: dict[str, float] = field(default_factory=dict)

    def total(self) -> float:
        return time.monotonic() - self.started

    def line(self) -> str:
        """``83.2 s (ingest roster 1.2 s, transform 60.3 s, …)``."""
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.stages.items())
        return f"{self.total():.1f} s" + (f" ({parts})" if parts else "")


@contextlib.contextmanager
def stage(name: str, timings: Timings | None = None) -> Iterator[None]:
    """Log ``name`` as it starts and as it ends (or fails), with its duration; keep the duration
    in ``timings``."""
    log.info("%s ...", name)
    started = time.monotonic()
    try:
        yield
    except BaseException as error:
        seconds = time.monotonic() - started
        log.info("%s failed after %.1f s (%s)", name, seconds, type(error).__name__)
        if timings is not None:
            timings.stages[name] = seconds
        raise
    seconds = time.monotonic() - started
    log.info("%s done in %.1f s", name, seconds)
    if timings is not None:
        timings.stages[name] = seconds


def to_stderr() -> None:
    """Show the progress lines on stderr, each with the wall-clock time (``pioneer run``)."""
    if any(getattr(h, "pioneer_progress", False) for h in log.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", datefmt="%H:%M:%S"))
    handler.pioneer_progress = True
    log.addHandler(handler)
    log.setLevel(logging.INFO)
