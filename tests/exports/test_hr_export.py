"""HR export nights played with the clock: v1, quiet night, restatement, failing gate, window end."""

import csv
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from rule_versions import create_dim_rule_version

from core.config import Settings
from core.layout import Home
from exports.hr import export_date, publish_due_exports

RULES_SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "rules.csv"


def make_warehouse(
    path: Path,
    rows: list[tuple] = (),
    appeals: list[tuple] = (),
    out_of_scope: set = frozenset(),
    notice_days: int = 0,
) -> Path:
    """A warehouse with the tables the export reads: rules seed (v1, with ``notice_days``),
    dim_member, dim_branch, member index (``rows``), appeals (``appeals``:
    (employee_no, month, status) of each appeal's latest version)."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging; create schema marts")
        con.execute(f"create table staging.rules as select * from read_csv('{RULES_SEED}', header=true)")
        con.execute("update staging.rules set notice_days = ?", [notice_days])
        create_dim_rule_version(con, RULES_SEED)
        con.execute("update marts.dim_rule_version set notice_days = ?", [notice_days])
        con.execute("create table marts.dim_member (member_id varchar, employee_no varchar, name varchar)")
        con.execute(
            "insert into marts.dim_member select 'M' || i, 'SG' || lpad(i::varchar, 7, '0'), '党员' || i"
            " from range(1, 40) t(i)"
        )
        con.execute(
            "create table marts.dim_branch as select 'B1' as branch_id, '变电运维支部' as branch_name,"
            " 'D1' as department_id, '变电运维部' as department_name"
        )
        con.execute(
            "create table marts.fct_member_index_monthly (employee_no varchar, month varchar, index_score decimal(5,2), "
            "grade varchar, performance_coefficient decimal(3,2), rule_version varchar, kpi_missing boolean, "
            "vetoed boolean, in_pay_scope boolean, member_id varchar, branch_id varchar, department_id varchar)"
        )
        con.executemany(
            "insert into marts.fct_member_index_monthly values (?, ?, ?, ?, ?, 'v1', ?, ?, ?, ?, 'B1', 'D1')",
            [  # the member at 0 was vetoed
                row + (row[2] == 0, row[0] not in out_of_scope, "M" + str(int(row[0][2:]))) for row in rows
            ],
        )
        con.execute(
            "create table marts.fct_member_appeals (employee_no varchar, month varchar, status varchar)"
        )
        if appeals:
            con.executemany("insert into marts.fct_member_appeals values (?, ?, ?)", list(appeals))
    return path


def month_of(
    period: str, n: int = 20, pioneers: int = 2, kpi_missing: int = 1, tied: bool = True
) -> list[tuple]:
    """n scored members: ``pioneers`` graded PIONEER (all at 95.50, or ``tied=False`` at 99, 98, ...)."""
    rows = []
    for i in range(1, n + 1):
        if i <= pioneers:
            score, grade, coef = (95.5 if tied else 100 - i), "PIONEER", 1.05
        elif i <= n - 2:
            score, grade, coef = 80.25, "QUALIFIED", 1.00
        elif i == n - 1:
            score, grade, coef = 65.0, "WARNING", 0.95
        else:
            score, grade, coef = 0, "LAGGING", 0.90
        rows.append((f"SG{i:07d}", period, score, grade, coef, i <= kpi_missing))
    return rows


def night(home: Path, warehouse: Path, now: str):
    return publish_due_exports(Settings(home=home, now=now), warehouse)


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def test_export_day_is_day_5_of_next_month():
    assert str(export_date("2026-10", 5)) == "2026-11-05"
    assert str(export_date("2026-12", 5)) == "2027-01-05"


def test_first_publication_quiet_night_restatement_and_window_end(tmp_path, home):
    appeals = [
        ("SG0000003", "2026-10", "submitted"),  # open: HR holds the line
        ("SG0000002", "2026-10", "submitted"),
        ("SG0000004", "2026-10", "rejected"),  # decided: not open
        ("SG0000005", "2026-09", "submitted"),  # about another month
    ]
    wh = make_warehouse(tmp_path / "w.duckdb", month_of("2026-09") + month_of("2026-10"), appeals)

    before = night(home, wh, "2026-11-04T23:00:00+08:00")  # Oct not due yet; Sep is
    assert [(m.period, m.action, m.version) for m in before.months] == [("2026-09", "published", 1)]

    first = night(home, wh, "2026-11-05T01:30:00+08:00")
    assert [(m.period, m.action) for m in first.months] == [
        ("2026-09", "unchanged"),
        ("2026-10", "published"),
    ]
    folder = home / "exports" / "hr" / "2026-10"
    csv_path, manifest_path = (
        folder / "pioneer_index_2026-10_v1.csv",
        folder / "pioneer_index_2026-10_v1.manifest.json",
    )
    raw = csv_path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    lines = raw.decode().splitlines()
    assert (
        lines[0]
        == "employee_no,period,pioneer_index,grade,performance_coefficient,rule_version,export_version"
    )
    assert lines[1] == "SG0000001,2026-10,95.50,PIONEER,1.05,v1,1"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["sha256"] == hashlib.sha256(raw).hexdigest()
    assert (
        manifest["row_count"] == 20
        and manifest["supersedes"] is None
        and manifest["changed_employee_nos"] == []
    )
    assert manifest["kpi_missing_employee_nos"] == ["SG0000001"]
    assert manifest["appeals_open_employee_nos"] == ["SG0000002", "SG0000003"]  # sorted, only M's open ones
    assert manifest["validation"] == {
        "suites": ["hr_export", "hr_export_marts", "hr_export_kpi_coverage"],
        "passed": True,
    }

    quiet = night(home, wh, "2026-11-06T01:30:00+08:00")
    assert quiet.published == []
    again = night(home, wh, "2026-11-06T01:30:00+08:00")  # the same night twice
    assert again.published == []

    changed = month_of("2026-10")
    changed[4] = ("SG0000005", "2026-10", 81.00, "QUALIFIED", 1.00, False)  # a late event
    changed[0] = ("SG0000001", "2026-10", 95.50, "PIONEER", 1.05, False)  # its KPI arrived
    wh = make_warehouse(tmp_path / "w.duckdb", month_of("2026-09") + changed)
    restated = night(home, wh, "2026-11-07T01:30:00+08:00")
    assert [(m.period, m.version) for m in restated.published] == [("2026-10", 2)]
    v2 = json.loads((folder / "pioneer_index_2026-10_v2.manifest.json").read_text())
    # kpi_missing is not an export column: only SG0000005's row changed
    assert v2["supersedes"] == 1 and v2["changed_employee_nos"] == ["SG0000005"]
    assert v2["kpi_missing_employee_nos"] == []
    assert v2["appeals_open_employee_nos"] == []  # always present; none open when v2 was written
    assert csv_path.read_bytes() == raw  # v1 never rewritten

    wh = make_warehouse(tmp_path / "w.duckdb", month_of("2026-09", n=19) + changed)
    late = night(home, wh, "2027-01-06T01:30:00+08:00")  # past Sep's window (export day of Dec = Jan 5)
    assert all(m.period != "2026-09" for m in late.months)


def test_failing_gate_publishes_nothing_and_names_expectation_and_rows(tmp_path, home):
    bad = month_of("2026-10")
    bad[3] = ("SG0000004", "2026-10", 50.0, "QUALIFIED", 1.00, False)  # grade inconsistent with index
    good_sep = month_of("2026-09")
    wh = make_warehouse(tmp_path / "w.duckdb", good_sep + bad)
    summary = night(home, wh, "2026-11-05T02:00:00+08:00")
    assert [(m.period, m.action) for m in summary.months] == [("2026-09", "published"), ("2026-10", "failed")]
    assert not (home / "exports" / "hr" / "2026-10").exists()
    assert not any((home / "exports" / "_staging").iterdir())
    report = json.loads(Path(summary.failed[0].failure_report).read_text())
    failing = [f for f in report["failures"] if f["rule"].startswith("the grade follows from the index")]
    assert failing and failing[0]["offending_rows"][0]["employee_no"] == "SG0000004"
    assert Path(report["data_docs"].removeprefix("file://")).exists()


def test_low_kpi_coverage_fails_the_gate(tmp_path, home):
    wh = make_warehouse(tmp_path / "w.duckdb", month_of("2026-10", kpi_missing=3))  # 85 % < 90 %
    summary = night(home, wh, "2026-11-05T02:00:00+08:00")
    assert summary.failed and not (home / "exports" / "hr" / "2026-10").exists()
    report = json.loads(Path(summary.failed[0].failure_report).read_text())
    assert report["failures"][0]["suite"] == "hr_export_kpi_coverage"


def test_pioneers_tied_at_the_cut_off_are_published(tmp_path, home):
    """floor(0.10 x 20) = 2, but RANK() gives the 5 members tied at 95.50 rank 1: 5 PIONEERs, correctly."""
    wh = make_warehouse(tmp_path / "w.duckdb", month_of("2026-10", pioneers=5))
    summary = night(home, wh, "2026-11-05T02:00:00+08:00")
    assert [(m.period, m.action) for m in summary.months] == [("2026-10", "published")]
    rows = list(csv.DictReader((home / "exports/hr/2026-10/pioneer_index_2026-10_v1.csv").open()))
    assert [r["grade"] for r in rows].count("PIONEER") == 5


def test_too_many_pioneers_fail_and_export_from_limits_history(tmp_path, home):
    too_many = month_of("2026-09", pioneers=5, tied=False)  # ranks 1..5 at 99..95: only 2 may be PIONEER
    wh = make_warehouse(tmp_path / "w.duckdb", too_many + month_of("2026-10"))
    summary = publish_due_exports(
        Settings(home=home, now="2026-11-05T02:00:00+08:00", export_from="2026-10"), wh
    )
    assert [(m.period, m.action) for m in summary.months] == [("2026-10", "published")]
    summary = night(home, wh, "2026-11-05T03:00:00+08:00")
    assert [(m.period, m.action) for m in summary.months if m.period == "2026-09"] == [("2026-09", "failed")]
    rows = list(csv.DictReader((home / "exports/hr/2026-10/pioneer_index_2026-10_v1.csv").open()))
    assert len(rows) == 20


def test_only_the_pay_scope_goes_to_hr(tmp_path, home):
    """A pilot's shadow members are scored and graded company-wide but never sent to HR: the export
    holds exactly the in-scope rows (and passes its gate: one row per scored member in the pay scope)."""
    shadow = {"SG0000001", "SG0000007"}  # a PIONEER and a QUALIFIED member outside the pilot
    wh = make_warehouse(tmp_path / "w.duckdb", month_of("2026-10"), out_of_scope=shadow)
    done = night(home, wh, "2026-11-05T01:30:00+08:00")
    assert [(m.period, m.action, m.rows) for m in done.months] == [("2026-10", "published", 18)]
    with open(home / "exports" / "hr" / "2026-10" / "pioneer_index_2026-10_v1.csv", newline="") as f:
        exported = {r["employee_no"]: r for r in csv.DictReader(f)}
    assert len(exported) == 18 and not shadow & exported.keys()
    assert exported["SG0000002"]["grade"] == "PIONEER"  # graded among all 20, not among the 18


def test_a_month_on_notice_before_pay(tmp_path, home):
    """notice_days 3 (docs/outputs.md "Notice before pay"): on October's export day the notice is published
    (BOM, names and branches, notice_until), not the HR file; HR's v1 is due three days later and is
    computed then, so a change accepted during the notice (an appeal) is in v1."""
    wh = make_warehouse(tmp_path / "w.duckdb", month_of("2026-10"), notice_days=3)
    assert night(home, wh, "2026-11-04T23:00:00+08:00").months == []
    first = night(home, wh, "2026-11-05T01:30:00+08:00")
    assert [(m.period, m.action, m.version, m.rows) for m in first.months] == [
        ("2026-10", "on notice", None, 20)
    ]
    folder = home / "exports" / "notice" / "2026-10"
    raw = (folder / "pioneer_notice_2026-10.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "employee_no,name,branch_name,pioneer_index,grade,notice_until"
    assert lines[1] == "SG0000001,党员1,变电运维支部,95.50,PIONEER,2026-11-08"
    manifest = json.loads((folder / "pioneer_notice_2026-10.manifest.json").read_text())
    assert manifest["kind"] == "notice" and manifest["notice_until"] == "2026-11-08"
    assert manifest["sha256"] == hashlib.sha256(raw).hexdigest() and manifest["row_count"] == 20
    assert manifest["validation"] == {
        "suites": ["hr_export", "hr_export_marts", "hr_export_kpi_coverage"],
        "passed": True,
    }
    assert not (home / "exports" / "hr" / "2026-10").exists()
    assert night(home, wh, "2026-11-07T23:00:00+08:00").months == []  # the notice runs; nothing new

    during = month_of("2026-10")
    during[4] = ("SG0000005", "2026-10", 83.50, "QUALIFIED", 1.00, False)  # an appeal accepted on 11-06
    wh = make_warehouse(tmp_path / "w.duckdb", during, notice_days=3)
    due = night(home, wh, "2026-11-08T01:30:00+08:00")
    assert [(m.period, m.action, m.version) for m in due.months] == [("2026-10", "published", 1)]
    with open(home / "exports" / "hr" / "2026-10" / "pioneer_index_2026-10_v1.csv", newline="") as f:
        assert {r["employee_no"]: r["pioneer_index"] for r in csv.DictReader(f)}["SG0000005"] == "83.50"
    assert (folder / "pioneer_notice_2026-10.csv").read_bytes() == raw  # never rewritten
    assert night(home, wh, "2026-11-09T01:30:00+08:00").published == []


def test_a_notice_that_fails_its_gate_is_not_published(tmp_path, home):
    bad = month_of("2026-10")
    bad[3] = ("SG0000004", "2026-10", 50.0, "QUALIFIED", 1.00, False)  # grade inconsistent with index
    wh = make_warehouse(tmp_path / "w.duckdb", bad, notice_days=3)
    summary = night(home, wh, "2026-11-05T01:30:00+08:00")
    assert [(m.period, m.action) for m in summary.months] == [("2026-10", "failed")]
    assert not (home / "exports" / "notice" / "2026-10").exists()
    report = json.loads(Path(summary.failed[0].failure_report).read_text())
    assert any(f["offending_rows"][0]["employee_no"] == "SG0000004" for f in report["failures"])


def test_without_notice_days_there_is_no_notice(tmp_path, home):
    wh = make_warehouse(tmp_path / "w.duckdb", month_of("2026-10"))
    assert [m.action for m in night(home, wh, "2026-11-05T01:30:00+08:00").months] == ["published"]
    assert not (home / "exports" / "notice").exists()


def test_a_notice_interrupted_between_its_two_moves_is_finished_or_rolled_back(tmp_path, home):
    """The crash-safe publication protocol holds for notices: a notice CSV whose manifest is still
    in staging (killed between the moves) is finished; one without any manifest is rolled back and
    the next night publishes it again, byte for byte."""
    from exports.hr import recover_publications

    wh = make_warehouse(tmp_path / "w.duckdb", month_of("2026-10"), notice_days=3)
    night(home, wh, "2026-11-05T01:30:00+08:00")
    folder = home / "exports" / "notice" / "2026-10"
    csv_path, manifest = (
        folder / "pioneer_notice_2026-10.csv",
        folder / "pioneer_notice_2026-10.manifest.json",
    )
    published = csv_path.read_bytes()
    staged = Home(home).export_staging / "pioneer_notice_2026-10"
    staged.mkdir(parents=True)
    manifest.rename(staged / manifest.name)
    assert recover_publications(home) == [f"finished the publication of {manifest.relative_to(home)}"]
    assert manifest.exists() and csv_path.read_bytes() == published

    manifest.unlink()
    assert recover_publications(home) == [f"rolled back {csv_path.relative_to(home)} (no manifest)"]
    assert not csv_path.exists()
    shutil.rmtree(Home(home).export_staging)
    again = night(home, wh, "2026-11-05T01:30:00+08:00")
    assert [m.action for m in again.months] == ["on notice"] and csv_path.read_bytes() == published


def test_hr_readme_is_written_beside_the_exports_with_the_rules_coefficients(tmp_path, home):
    """issue 19: HR gets a description of what it receives (Chinese, then English), written on the
    first publication; its grade → 系数 table comes from the rules the warehouse holds, so a new
    rule version rewrites it, and an unchanged one leaves it alone."""
    readme = home / "exports" / "hr" / "README_HR.md"
    wh = make_warehouse(tmp_path / "w.duckdb", month_of("2026-10"))
    night(home, wh, "2026-11-04T23:00:00+08:00")  # nothing due yet: no folder, no README
    assert not readme.exists()
    night(home, wh, "2026-11-05T01:30:00+08:00")
    text = readme.read_text(encoding="utf-8")
    assert "始终使用该月编号最大的版本" in text and "Always use the\nhighest vN" in text
    assert "| 规则版本 | 生效日 | PIONEER | QUALIFIED | WARNING | LAGGING |" in text
    assert "| v1 | 2000-01-01 | 1.05 | 1.00 | 0.95 | 0.90 |" in text
    stamp = readme.stat().st_mtime_ns
    night(home, wh, "2026-11-06T01:30:00+08:00")
    assert readme.stat().st_mtime_ns == stamp  # same rules: not rewritten
    with duckdb.connect(str(wh)) as con:
        con.execute(
            "insert into staging.rules select * replace ('v2' as rule_version, date '2027-01-01' as effective_from,"
            " 1.10 as coef_pioneer) from staging.rules"
        )
    night(home, wh, "2026-11-07T01:30:00+08:00")
    assert "| v2 | 2027-01-01 | 1.10 | 1.00 | 0.95 | 0.90 |" in readme.read_text(encoding="utf-8")
    assert sorted(p.name for p in readme.parent.iterdir()) == ["2026-10", "README_HR.md"]  # no temporary
