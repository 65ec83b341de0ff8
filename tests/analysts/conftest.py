"""A demo home with 13 months (so that 同比 has a year to compare) shared by the analysts' tests."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PIONEER = [sys.executable, "-c", "from pioneer.cli import main; main()"]
INSTALL_CHROMIUM = Path(__file__).resolve().parents[2] / "scripts" / "install_chromium.sh"
FIRST_NIGHT = "2026-11-06T01:30:00+08:00"
MONTH = "2026-10"  # the last complete month of the first night


def pioneer(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*PIONEER, *args], capture_output=True, text=True, **kwargs)


def demo_landing(out, end: str) -> None:
    made = pioneer(
        "demo-data", "--out", str(out), "--members", "80", "--months", "13", "--end", end, "--seed", "3"
    )
    assert made.returncode == 0, made.stderr


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory):
    """A home after its first night; tests that run another night copy it first."""
    root = tmp_path_factory.mktemp("analysts")
    demo_landing(root / "landing", end="2026-11")
    ran = pioneer(
        "run", "--sources", str(root / "landing"), "--home", str(root / "home"), "--now", FIRST_NIGHT
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return root / "home"


@pytest.fixture(scope="session")
def report_file(demo_home, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / f"pioneer_report_{MONTH}.html"
    made = pioneer("report", "--home", str(demo_home), "--month", MONTH, "--out", str(out))
    assert made.returncode == 0, made.stderr
    return out


@pytest.fixture(scope="session")
def chromium() -> str:
    """Headless Chromium's executable (installed from Debian when missing; the test skips without it)."""
    if not shutil.which("chromium"):
        installed = subprocess.run([str(INSTALL_CHROMIUM)], capture_output=True, text=True, timeout=900)
        if not shutil.which("chromium"):
            pytest.skip(f"chromium could not be installed: {(installed.stdout + installed.stderr)[-300:]}")
    return shutil.which("chromium")
