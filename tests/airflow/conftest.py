"""Fixtures of the Airflow tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from airflow_harness import BIN


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    """A small generated organisation (the same one for every Airflow test)."""
    out = tmp_path_factory.mktemp("org") / "landing"
    made = subprocess.run(
        [str(BIN / "pioneer"), "demo-data", "--out", str(out), "--members", "40", "--months", "2"]
        + ["--end", "2026-11", "--seed", "3"],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    return out
