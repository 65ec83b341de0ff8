"""Run the real `pioneer` CLI in a subprocess, as a user would (shared by the CLI-level tests)."""

import os
import subprocess
import sys

PIONEER = [sys.executable, "-c", "from pioneer.cli import main; main()"]


def pioneer(*args: str, env: dict | None = None, **extra_env: str) -> subprocess.CompletedProcess:
    """``env`` replaces the environment; ``extra_env`` adds to the current one."""
    environment = env if env is not None else os.environ | extra_env
    return subprocess.run([*PIONEER, *args], capture_output=True, text=True, env=environment)


def demo_data(out, *, members: int, months: int, seed: int, end: str = "2026-11") -> None:
    """A small generated organisation in ``out`` (``pioneer demo-data``), for the dbt scenario tests."""
    made = pioneer(
        "demo-data", "--out", str(out), "--members", str(members), "--months", str(months),
        "--end", end, "--seed", str(seed),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr


def run_night(landing, home, now: str, **extra_env: str) -> subprocess.CompletedProcess:
    """One ``pioneer run`` that must succeed (``extra_env``: settings such as PIONEER_RULES_FILE)."""
    done = pioneer("run", "--sources", str(landing), "--home", str(home), "--now", now, **extra_env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def write_rules(path, *versions: dict, encoding: str = "utf-8", lineterminator: str = "\n"):
    """A rules file at ``path``: one row per ``versions`` entry, each the shipped v1 with those
    columns changed (a later version names its own rule_version and effective_from)."""
    import csv

    from core.rules import SHIPPED_RULES

    with SHIPPED_RULES.open(encoding="utf-8", newline="") as f:
        (v1,) = list(csv.DictReader(f))
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(v1), lineterminator=lineterminator)
        writer.writeheader()
        writer.writerows(v1 | changes for changes in versions)
    return path
