"""Progress of `pioneer run`: a spinner and ✓/✗ lines at a terminal, plain log lines elsewhere."""

import io
import logging

import pytest
from rich.console import Console

from pioneer import progress


@pytest.fixture
def restore():
    """Each test starts without the stderr handler an earlier in-process `pioneer run` of this
    worker left behind (its stderr long closed), and leaves the logger as it found it."""
    handlers = list(progress.log.handlers)
    progress.log.handlers[:] = [h for h in handlers if not getattr(h, "pioneer_progress", False)]
    progress._terminal = None
    yield
    progress._terminal = None
    progress.log.handlers[:] = handlers


def test_at_a_terminal_each_stage_ends_with_a_tick_and_its_duration(restore):
    screen = io.StringIO()
    progress.show(Console(file=screen, force_terminal=True, width=100, color_system=None))
    timings = progress.Timings()
    with progress.stage("ingest roster", timings):
        pass
    with pytest.raises(ValueError), progress.stage("transform", timings):
        raise ValueError("boom")
    shown = screen.getvalue()
    assert "✓ ingest roster " in shown and "✗ transform failed after " in shown and "(ValueError)" in shown
    assert list(timings.stages) == ["ingest roster", "transform"]
    assert not any(getattr(h, "pioneer_progress", False) for h in progress.log.handlers)  # no doubled lines


def test_elsewhere_plain_lines_go_to_stderr(restore, capsys):
    progress.show(Console(file=io.StringIO(), force_terminal=False))
    with progress.stage("export"):
        pass
    err = capsys.readouterr().err
    assert progress._terminal is None
    assert " export ..." in err and " export done in " in err and "✓" not in err


def test_the_lines_reach_any_logging_handler_as_in_airflow(restore, caplog):
    with caplog.at_level(logging.INFO, logger="pioneer.progress"), progress.stage("alerts"):
        pass
    assert [r.getMessage().split(" in ")[0] for r in caplog.records] == ["alerts ...", "alerts done"]
