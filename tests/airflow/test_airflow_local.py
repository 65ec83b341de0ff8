"""`make airflow` as a newcomer meets it: the UI on 127.0.0.1 only, and the commands it prints for a
second shell work when pasted into a fresh shell (no AIRFLOW_HOME of its own)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PIONEER = [sys.executable, "-c", "from pioneer.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with no_proxy.open(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def outside_addresses() -> list[str]:
    """This machine's addresses other than loopback (none on a machine without a network)."""
    found = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    return [a for a in found if not a.startswith("127.") and ":" not in a]


@pytest.fixture
def standalone(tmp_path):
    landing = tmp_path / "landing"
    made = subprocess.run(
        [*PIONEER, "demo-data", "--out", str(landing), "--members", "20", "--months", "2", "--seed", "1"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    (landing / ".generated").touch()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PIONEER"))}
    env |= {
        "AIRFLOW_PORT": str(port), "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "PIONEER_HOME": str(tmp_path / "home"), "PIONEER_SOURCES": str(landing),
    }  # fmt: skip
    proc = subprocess.Popen(
        ["bash", str(REPO / "scripts" / "airflow_local.sh")], cwd=REPO, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    try:
        deadline = time.monotonic() + 420
        while not answers(f"http://127.0.0.1:{port}/api/v2/monitor/health"):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)[-3000:]
            time.sleep(2)
        yield port, lines
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_the_printed_second_shell_commands_work_when_pasted(standalone, tmp_path):
    port, lines = standalone
    printed = "".join(lines)
    assert f"Airflow UI:  http://127.0.0.1:{port}" in printed and "created paused" in printed
    block = printed.split("Second shell (paste):\n", 1)[1].split("Pipeline:", 1)[0]
    commands = [line.strip() for line in block.splitlines() if line.strip()]
    assert commands[0].startswith("source ") and "airflow dags trigger pioneer_nightly" in commands[1]
    second_shell = subprocess.run(
        ["env", "-i", f"HOME={tmp_path}", "bash", "-c", "\n".join(["set -e", *commands])],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert second_shell.returncode == 0, second_shell.stdout[-3000:] + second_shell.stderr[-3000:]
    assert re.search(
        r"pioneer_nightly \| manual__\S+ \| \w+ .*\| 2026-11-05T17:30:00\+00:00", second_shell.stdout
    )

    for address in outside_addresses():  # the API server listens on loopback only
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(3)
            s.connect((address, port))
