"""The CLI's contract (docs/outputs.md): commands, help, exit codes, configuration by flag or PIONEER_*."""

import json
from pathlib import Path

import pytest
from pioneer_cli import pioneer


@pytest.mark.parametrize("command", ["demo-data", "run", "explain", "status"])
def test_every_command_explains_its_options(command):
    result = pioneer(command, "--help")
    assert result.returncode == 0
    assert "--" in result.stdout and "Usage" in result.stdout


def test_unknown_option_is_bad_usage_exit_2():
    assert pioneer("run", "--no-such-flag").returncode == 2


def test_bad_clock_is_bad_configuration_exit_2(tmp_path):
    result = pioneer("run", "--sources", str(tmp_path), "--home", str(tmp_path / "h"), "--now", "yesterday")
    assert result.returncode == 2
    assert "now" in result.stderr and "Traceback" not in result.stderr


def test_missing_sources_dir_is_exit_2(tmp_path):
    result = pioneer("run", "--sources", str(tmp_path / "absent"), "--home", str(tmp_path / "h"))
    assert result.returncode == 2
    assert "absent" in result.stderr


def test_bad_month_is_exit_2(tmp_path):
    assert (
        pioneer("explain", "--home", str(tmp_path), "--employee-no", "X", "--month", "2026-13").returncode
        == 2
    )
    assert pioneer("demo-data", "--out", str(tmp_path), "--end", "26-01").returncode == 2


def test_status_json_of_an_empty_home_has_the_contract_keys(tmp_path):
    result = pioneer("status", "--home", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"events", "quarantine", "exports", "notices", "last_run", "held"}  # held: issue 23
    contract = {"roster", "meeting", "learning", "performance", "admin", "appeals"}  # docs/outputs.md, status
    assert set(report["events"]["by_source"]) == contract
    assert set(report["quarantine"]["by_source"]) == contract
    assert report["events"]["total"] == 0 and report["quarantine"]["total"] == 0
    assert (
        report["exports"] == report["notices"] == [] and report["last_run"] is None and report["held"] == []
    )


def test_home_comes_from_environment_when_no_flag(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PIONEER_HOME": str(tmp_path)}
    result = pioneer("status", "--json", env=env)
    assert result.returncode == 0, result.stderr


def test_status_of_a_missing_home_is_exit_2(tmp_path):
    result = pioneer("status", "--home", str(Path(tmp_path) / "nowhere"))
    assert result.returncode == 2
    assert "nowhere" in result.stderr
