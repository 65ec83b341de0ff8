"""Progress of a run, stage by stage (docs/outputs.md: "`run` shows its progress as it goes, each stage
as it starts and ends, with its duration").

A stage is timed with :func:`stage`; the lines go to the ``pioneer.progress`` logger, so they
reach whatever shows the run: an Airflow task's log shows them like any other logging, and
``pioneer run`` (:func:`show`) writes them to stderr as plain lines when stderr is a file or pipe
(a cron log); in a terminal it shows a rich spinner with the running stage and its elapsed time
instead, and a ✓ (✗) line with the duration as each stage ends. Durations are wall-clock time
(not the pipeline clock, which is one instant per run).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

log = logging.getLogger("pioneer.progress")
_terminal = None  # the rich Console of a terminal run (show()), else None: log lines only


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
    spinner = _terminal.status(f"{name} …", spinner="dots") if _terminal is not None else None
    try:
        if spinner is not None:
            spinner.start()
        yield
    except BaseException as error:
        seconds = time.monotonic() - started
        log.info("%s failed after %.1f s (%s)", name, seconds, type(error).__name__)
        _ended(spinner, f"[red]✗[/] {name} [dim]failed after {seconds:.1f} s ({type(error).__name__})[/]")
        if timings is not None:
            timings.stages[name] = seconds
        raise
    seconds = time.monotonic() - started
    log.info("%s done in %.1f s", name, seconds)
    _ended(spinner, f"[green]✓[/] {name} [dim]{seconds:.1f} s[/]")
    if timings is not None:
        timings.stages[name] = seconds


def _ended(spinner, line: str) -> None:
    if spinner is not None:
        spinner.stop()
        _terminal.print(line, highlight=False)


def show(console=None) -> None:
    """``pioneer run``: progress for a person at a terminal (a rich spinner and ✓ lines on
    ``console``, by default stderr's when it is a terminal), else plain lines on stderr."""
    global _terminal
    from rich.console import Console

    console = console or Console(stderr=True)
    if console.is_terminal:
        _terminal = console
    else:
        to_stderr()


def to_stderr() -> None:
    """Show the progress lines on stderr, each with the wall-clock time (``pioneer run``)."""
    if any(getattr(h, "pioneer_progress", False) for h in log.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", datefmt="%H:%M:%S"))
    handler.pioneer_progress = True
    log.addHandler(handler)
    log.setLevel(logging.INFO)
