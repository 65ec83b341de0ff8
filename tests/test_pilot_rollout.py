"""A pilot and its rollout (docs/scoring.md, "Rule versions, pilot scope and the learning basis"),
played over nights of the real CLI with a deployment's own rules file (PIONEER_RULES_FILE).

- night 1 (2026-11-05, October's export day): v1 pays one pilot department, v2 pays everyone from
  2026-10. Every member is scored, ranked and graded in every month; HR receives only the pilot
  department for 2026-07 .. 2026-09 and everyone for 2026-10.
- night 2 (2026-11-06): the office backdates the rollout to 2026-08 (a version whose
  effective_from is in the past). 2026-08 and 2026-09, still inside their restatement window,
  are restated for everyone; 2026-07, whose window ended on 2026-11-05, stays as published.
- the time machine afterwards: replaying night 1 rebuilds it under night 1's rules file (the home
  keeps it), and the audit re-derives every published file, each under its own night's rules.
"""

import csv
import json
from pathlib import Path

import duckdb
from pioneer_cli import demo_data, pioneer, run_night, write_rules

MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10"]


def rules_file(path: Path, pilot: str, rollout: str) -> Path:
    """v1 paying the ``pilot`` department, v2 everyone from ``rollout``; saved as Excel saves CSV UTF-8."""
    return write_rules(
        path,
        {"hr_scope": pilot},
        {"rule_version": "v2", "effective_from": rollout, "hr_scope": "all"},
        encoding="utf-8-sig",
        lineterminator="\r\n",
    )


def exported(home: Path, month: str) -> dict[int, set[str]]:
    """Employee numbers of each published version of ``month``."""
    folder = home / "exports" / "hr" / month
    versions = {}
    for path in sorted(folder.glob(f"pioneer_index_{month}_v*.csv")):
        with path.open(newline="") as f:
            versions[int(path.stem.rsplit("_v", 1)[1])] = {r["employee_no"] for r in csv.DictReader(f)}
    return versions


def members(warehouse: Path) -> dict[str, dict[str, tuple]]:
    """month → employee_no → (department_id, in_pay_scope, rule_version, index_score, grade)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select month, employee_no, department_id, in_pay_scope, rule_version, index_score, grade"
            " from marts.fct_member_index_monthly"
        ).fetchall()
    by_month: dict[str, dict[str, tuple]] = {}
    for month, employee_no, *rest in rows:
        by_month.setdefault(month, {})[employee_no] = tuple(rest)
    return by_month


def test_a_pilot_then_its_rollout_over_nights(tmp_path):
    landing, home = tmp_path / "landing", tmp_path / "home"
    demo_data(landing, members=120, months=4, seed=21)  # 8 branches in 2 departments
    with open(sorted((landing / "roster").glob("branches_*.csv"))[-1], encoding="utf-8-sig", newline="") as f:
        pilot = sorted({row["department_id"] for row in csv.DictReader(f)})[0]
    first = rules_file(tmp_path / "rules_pilot.csv", pilot, "2026-10-01")
    run_night(landing, home, "2026-11-05T01:30:00+08:00", PIONEER_RULES_FILE=str(first))
    night1 = home / "night1.duckdb"
    night1.write_bytes((home / "warehouse.duckdb").read_bytes())

    scored = members(night1)
    assert sorted(scored) == MONTHS
    for month in MONTHS:  # everyone scored and graded, in the pay scope or not
        rows = scored[month]
        assert all(score is not None and grade for _, _, _, score, grade in rows.values())
        in_pilot = {e for e, (department, *_) in rows.items() if department == pilot}
        assert 0 < len(in_pilot) < len(rows)
        paid = {e for e, (_, in_scope, *_) in rows.items() if in_scope}
        assert paid == (set(rows) if month == "2026-10" else in_pilot)
        assert exported(home, month) == {1: paid}
        assert {version for _, _, version, *_ in rows.values()} == {"v2" if month == "2026-10" else "v1"}
    record = json.loads(sorted((home / "runs").glob("run_*.json"))[-1].read_text())
    assert record["rules_file"] == str(first)
    assert (home / "rules" / record["rules_sha256"] / "rules.csv").exists()

    # night 2: the rollout backdated to 2026-08
    second = rules_file(tmp_path / "rules_rollout.csv", pilot, "2026-08-01")
    run_night(landing, home, "2026-11-06T01:30:00+08:00", PIONEER_RULES_FILE=str(second))
    rescored = members(home / "warehouse.duckdb")
    for month in MONTHS:
        assert rescored[month].keys() == scored[month].keys()
        assert all(in_scope for _, in_scope, *_ in rescored[month].values()) == (month != "2026-07")
        # only the scope changed: every index and grade is the same
        assert {e: r[3:] for e, r in rescored[month].items()} == {e: r[3:] for e, r in scored[month].items()}
    versions = {month: exported(home, month) for month in MONTHS}
    assert versions["2026-07"] == {1: set(k for k, r in scored["2026-07"].items() if r[1])}  # window over
    for month in ("2026-08", "2026-09"):
        assert versions[month][2] == set(scored[month]) and versions[month][1] < versions[month][2]
        manifest = json.loads(
            (home / "exports" / "hr" / month / f"pioneer_index_{month}_v2.manifest.json").read_text()
        )
        assert set(manifest["changed_employee_nos"]) >= versions[month][2] - versions[month][1]
    assert versions["2026-10"] == {1: set(scored["2026-10"])}  # already everyone

    # the time machine: night 1 under night 1's rules, every file under its own night's rules
    replayed = pioneer(
        "replay",
        "--home",
        str(home),
        "--as-of",
        "2026-11-05T12:00:00+08:00",
        "--out",
        str(tmp_path / "replay"),
    )
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert members(tmp_path / "replay" / "warehouse.duckdb") == scored
    audited = pioneer("audit", "--home", str(home))
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert audited.stdout.count("ok ") == 6, audited.stdout
