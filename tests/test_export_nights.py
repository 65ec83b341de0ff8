"""HR exports over several nights of the real CLI (`pioneer run --now`): first publication, a quiet
night, late events → restatement v2 naming exactly the changed employees, a failing gate → exit 3
and nothing in that month's HR folder."""

import csv
import json
import shutil
from pathlib import Path

import pytest
from pioneer_cli import demo_data, pioneer

from ingest.schema import SOURCES


def rows(path) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {r["employee_no"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("nights")
    landing, home = root / "landing", root / "home"
    demo_data(landing, members=60, months=2, seed=11)
    return landing, home


STAGES = [*(f"ingest {source}" for source in SOURCES), "transform", "export", "alerts"]


def assert_progress_and_summary(run) -> None:
    """docs/outputs.md: each stage as it starts and ends, with its duration; then the summary with every
    gate's verdict, the run's duration and where its record is."""
    lines = [
        line.split("  ", 1)[1] for line in run.stderr.splitlines() if line[:2].isdigit() and "  " in line
    ]
    expected = [line for name in STAGES for line in (f"{name} ...", f"{name} done in")]
    assert [line if line.endswith("...") else line.rsplit(" ", 2)[0] for line in lines] == expected, (
        run.stderr
    )
    assert "gates:" in run.stdout and "export:pioneer_index_2026-10_v1" in run.stdout
    (duration,) = [line for line in run.stdout.splitlines() if line.startswith("duration: ")]
    assert all(f"{name} " in duration for name in STAGES), duration
    record = run.stdout.split("run record: ")[1].strip()
    assert json.loads(Path(record).read_text())["status"] == "success"


def test_nights(nights):
    landing, home = nights
    hr = home / "exports" / "hr"

    first = pioneer(
        "run", "--sources", str(landing), "--home", str(home), "--now", "2026-11-05T01:30:00+08:00"
    )
    assert first.returncode == 0, first.stdout + first.stderr
    assert sorted(p.name for p in hr.iterdir()) == ["2026-09", "2026-10", "README_HR.md"]
    v1 = rows(hr / "2026-10" / "pioneer_index_2026-10_v1.csv")
    assert "data docs:" in first.stdout
    assert_progress_and_summary(first)

    quiet = pioneer(
        "run", "--sources", str(landing), "--home", str(home), "--now", "2026-11-06T01:30:00+08:00"
    )
    assert quiet.returncode == 0, quiet.stderr
    assert "exports published: 0" in quiet.stdout
    assert sorted(p.name for p in (hr / "2026-10").iterdir()) == [
        "pioneer_index_2026-10_v1.csv",
        "pioneer_index_2026-10_v1.manifest.json",
    ]

    # late events: HR corrects two October KPIs to full marks
    changed = sorted(v1)[:2]
    late = landing / "performance" / "kpi_202610_late.csv"
    late.write_text(
        "employee_no,period,kpi_score,rating,updated_at\n"
        + "".join(f"{e},202610,100.00,A,2026-11-06T10:00:00+08:00\n" for e in changed)
    )
    restated = pioneer(
        "run", "--sources", str(landing), "--home", str(home), "--now", "2026-11-07T01:30:00+08:00"
    )
    assert restated.returncode == 0, restated.stderr
    manifest = json.loads((hr / "2026-10" / "pioneer_index_2026-10_v2.manifest.json").read_text())
    v2 = rows(hr / "2026-10" / "pioneer_index_2026-10_v2.csv")
    really_changed = sorted(
        e
        for e in v1.keys() | v2.keys()
        if {**v1.get(e, {}), "export_version": ""} != {**v2.get(e, {}), "export_version": ""}
    )
    assert manifest["supersedes"] == 1 and manifest["changed_employee_nos"] == really_changed
    assert set(changed) <= set(really_changed)  # their rows changed; ranks may move others' grades
    assert not (hr / "2026-09" / "pioneer_index_2026-09_v2.csv").exists()  # September untouched

    # a month that fails its gate: November becomes due on 5 December; demand full KPI coverage
    shutil.copytree(landing, landing.parent / "december")
    failed = pioneer(
        "run", "--sources", str(landing.parent / "december"), "--home", str(home),
        "--now", "2026-12-05T01:30:00+08:00", PIONEER_MIN_KPI_COVERAGE="1.0",
    )  # fmt: skip
    assert failed.returncode == 3, failed.stdout + failed.stderr
    assert "2026-11" in failed.stderr
    assert not (hr / "2026-11").exists()
    reports = list((home / "exports" / "failures").glob("pioneer_index_2026-11_v1_*.json"))
    assert reports and json.loads(reports[0].read_text())["failures"][0]["suite"] == "hr_export_kpi_coverage"
