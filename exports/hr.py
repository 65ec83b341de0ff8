"""HR export (绩效挂钩 feed): write → audit → publish, versioned, never rewritten.

Month M is due on the first run whose Shanghai date is on or after its export day
(day ``export_day`` of M+1). After v1, every run up to and including the export day of
M+``restatement_months`` recomputes M and publishes vN+1 only when some row changed.
A version is written to ``HOME/exports/_staging``, validated with the GX suites, and only
then moved into ``HOME/exports/hr/YYYY-MM/`` (CSV first, manifest last: a version exists
once its manifest does, and the manifest is complete in staging before the CSV moves). A run
killed between the two moves is finished by the next writer (:func:`recover_publications`).
A failing month leaves the HR folder untouched and writes a failure report naming the
expectation and the offending rows.

Notice before pay (公示, docs/outputs.md): under a rule version with ``notice_days`` n > 0, month M is
first put on notice: from its export day until the day before export day + n, instead of the HR
file, ``HOME/exports/notice/YYYY-MM/pioneer_notice_YYYY-MM.csv`` (UTF-8 with BOM for Excel;
``employee_no, name, branch_name, pioneer_index, grade, notice_until``) and its manifest are
published once, validated by the HR suites on the very rows HR's v1 would hold then, through the
same staging protocol. HR's v1 is due from export day + n (``notice_until``), computed then, so
appeals accepted during the notice are in it; restatements are counted from the export day.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from core.config import Settings
from core.home import crash_point, share
from core.layout import Home
from core.months import add_months, month_start
from core.rules import RuleVersion
from core.vocabulary import rules_in_force
from expectations.gates import GateResult, validate_frame
from expectations.marts import rule_parameters, spec_grades

COLUMNS = [
    "employee_no",
    "period",
    "pioneer_index",
    "grade",
    "performance_coefficient",
    "rule_version",
    "export_version",
]
SUITES = ("hr_export", "hr_export_marts", "hr_export_kpi_coverage")
NOTICE_COLUMNS = ["employee_no", "name", "branch_name", "pioneer_index", "grade", "notice_until"]


@dataclass
class MonthOutcome:
    period: str
    action: str  # published, unchanged, failed, on notice (its notice published)
    version: int | None = None
    path: str | None = None
    rows: int = 0
    changed_employee_nos: list[str] = field(default_factory=list)
    failure_report: str | None = None


@dataclass
class PublishSummary:
    months: list[MonthOutcome] = field(default_factory=list)
    data_docs: str | None = None
    gates: list[dict] = field(default_factory=list)  # the export gates' verdicts (GateResult.verdict)

    @property
    def failed(self) -> list[MonthOutcome]:
        return [m for m in self.months if m.action == "failed"]

    @property
    def published(self) -> list[MonthOutcome]:
        return [m for m in self.months if m.action == "published"]

    @property
    def on_notice(self) -> list[MonthOutcome]:
        return [m for m in self.months if m.action == "on notice"]


def published_csvs(home: Path) -> list[Path]:
    """Every CSV in the folders HR and the branches read: the HR versions and the notices."""
    return sorted(Home(home).hr.glob("*/pioneer_index_*_v*.csv")) + sorted(
        Home(home).notice.glob("*/pioneer_notice_*.csv")
    )


def export_date(period: str, export_day: int) -> dt.date:
    """The export day of month M: day ``export_day`` of M+1."""
    return month_start(add_months(period, 1)).replace(day=export_day)


def recover_publications(home: Path) -> list[str]:
    """Finish or roll back each publication a killed run left half done: a published CSV without
    its manifest gets the manifest staged with it when that manifest's sha256 is the CSV's (the
    version was complete), else the CSV goes back to staging (the version never existed; the next
    export writes it again). Returns what it did, one line per version."""
    done = []
    for csv_path in published_csvs(home):
        name = csv_path.name.removesuffix(".csv")
        manifest = csv_path.with_name(f"{name}.manifest.json")
        if manifest.exists():
            continue
        staged = Home(home).export_staging / name / manifest.name
        sha = hashlib.sha256(csv_path.read_bytes()).hexdigest()
        if staged.exists() and json.loads(staged.read_text()).get("sha256") == sha:
            os.replace(staged, manifest)
            done.append(f"finished the publication of {manifest.relative_to(home)}")
        else:
            staged.parent.mkdir(parents=True, exist_ok=True)
            os.replace(csv_path, staged.parent / csv_path.name)
            done.append(f"rolled back {csv_path.relative_to(home)} (no manifest)")
    return done


def latest_manifest(home: Path, period: str) -> dict | None:
    manifests = [json.loads(p.read_text()) for p in (Home(home).hr / period).glob("*.manifest.json")]
    return max(manifests, key=lambda m: m["version"]) if manifests else None


def month_rows(con: duckdb.DuckDBPyConnection, period: str) -> pd.DataFrame:
    return con.execute(
        "select employee_no, month as period, index_score as pioneer_index, grade, "
        "performance_coefficient, rule_version, kpi_missing "
        "from marts.fct_member_index_monthly where month = ? and in_pay_scope order by employee_no",
        [period],
    ).df()


def kpi_coverage_rows(con: duckdb.DuckDBPyConnection, period: str) -> pd.DataFrame:
    """The rows whose KPI coverage is judged: the month's scored members in the pay scope (the HR
    file's rows) with their department and ``kpi_missing``. The export gate judges the whole
    month on them (suite ``hr_export_kpi_coverage``) and the completeness alert by department
    (``exports.alerts``): one definition of the coverage figure."""
    return con.execute(
        "select fct.employee_no, fct.department_id, coalesce(departments.department_name, fct.department_id) "
        "as department_name, fct.kpi_missing "
        "from marts.fct_member_index_monthly as fct "
        "left join (select department_id, min(department_name) as department_name from marts.dim_branch "
        "group by department_id) as departments on departments.department_id = fct.department_id "
        "where fct.month = ? and fct.in_pay_scope order by fct.employee_no",
        [period],
    ).df()


def kpi_coverage(kpi_missing: pd.Series) -> float:
    """Share of rows with a KPI (1.0 for no rows: nothing is missing)."""
    return 1.0 - float(kpi_missing.astype(bool).mean()) if len(kpi_missing) else 1.0


def min_kpi_coverage(settings: Settings, rules: RuleVersion) -> float:
    """The coverage a month needs: ``PIONEER_MIN_KPI_COVERAGE`` when set, else its rule version's."""
    return float(
        settings.min_kpi_coverage if settings.min_kpi_coverage is not None else rules.min_kpi_coverage
    )


def export_day_of(settings: Settings, rules: RuleVersion) -> int:
    """The day of M+1 on which M is exported: ``PIONEER_EXPORT_DAY`` when set, else the rule version's."""
    return settings.export_day or int(rules.export_day)


def notice_rows(con: duckdb.DuckDBPyConnection, period: str) -> pd.DataFrame:
    """The month's HR rows (:func:`month_rows`) with each member's name and branch of record."""
    return con.execute(
        "select fct.employee_no, member.name, branch.branch_name, fct.index_score as pioneer_index, fct.grade "
        "from marts.fct_member_index_monthly as fct "
        "left join marts.dim_member as member on member.member_id = fct.member_id "
        "left join marts.dim_branch as branch on branch.branch_id = fct.branch_id "
        "where fct.month = ? and fct.in_pay_scope order by fct.employee_no",
        [period],
    ).df()


def render_notice(rows: pd.DataFrame, notice_until: dt.date) -> bytes:
    """UTF-8 with BOM (Excel opens it), comma, LF, header; scores with 2 decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(NOTICE_COLUMNS)
    for r in rows.itertuples(index=False):
        writer.writerow([r.employee_no, r.name, r.branch_name, _fmt(r.pioneer_index), r.grade, notice_until])
    return buffer.getvalue().encode("utf-8-sig")


def derive(con: duckdb.DuckDBPyConnection, manifest: dict) -> bytes:
    """The bytes a published file's manifest says were written, rendered again from ``con``'s marts."""
    if manifest.get("kind") == "notice":
        return render_notice(
            notice_rows(con, manifest["period"]), dt.date.fromisoformat(manifest["notice_until"])
        )
    return render_csv(month_rows(con, manifest["period"]), int(manifest["version"]))


def open_appeals(con: duckdb.DuckDBPyConnection, period: str) -> list[str]:
    """Employees with a ``submitted`` appeal about the month (its latest version), sorted: HR holds
    their pay line open (``appeals_open_employee_nos``)."""
    return [
        r[0]
        for r in con.execute(
            "select distinct employee_no from marts.fct_member_appeals"
            " where month = ? and status = 'submitted' order by 1",
            [period],
        ).fetchall()
    ]


def _fmt(value) -> str:
    return f"{Decimal(str(value)):.2f}"


def render_csv(rows: pd.DataFrame, version: int) -> bytes:
    """UTF-8 without BOM, comma, LF, header; scores with 2 decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows.itertuples(index=False):
        writer.writerow(
            [
                r.employee_no,
                r.period,
                _fmt(r.pioneer_index),
                r.grade,
                _fmt(r.performance_coefficient),
                r.rule_version,
                version,
            ]
        )
    return buffer.getvalue().encode("utf-8")


def read_export(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"employee_no": str, "period": str, "grade": str, "rule_version": str})


def _row_key(frame: pd.DataFrame) -> dict[str, tuple]:
    return {
        r.employee_no: (_fmt(r.pioneer_index), r.grade, _fmt(r.performance_coefficient), r.rule_version)
        for r in frame.itertuples(index=False)
    }


def changed_employees(previous: pd.DataFrame, current: pd.DataFrame) -> list[str]:
    """Employees whose row was added, removed or changed."""
    old, new = _row_key(previous), _row_key(current)
    return sorted(e for e in old.keys() | new.keys() if old.get(e) != new.get(e))


def gate_parameters(
    settings: Settings, rules: RuleVersion, period: str, version: int, scored: pd.DataFrame
) -> dict:
    """The export suites' parameters: the rule version's (:func:`expectations.marts.rule_parameters`,
    as the mart gate's), the number of the month's ``scored`` members (:func:`scored_members`) in
    the pay scope (the rows expected) and the one period, rule version and export version the file may name. Only
    scalars and short lists: what a row must equal in the marts is a column of
    :func:`against_marts` (a value set of every employee made GX copy it over and over, ~1 s per
    1,000 members and expectation)."""
    return rule_parameters(rules) | {
        "scored_members": int(scored["in_pay_scope"].astype(bool).sum()),
        "periods": [period],
        "rule_versions": [rules.rule_version],
        "export_versions": [version],
        "min_kpi_coverage": min_kpi_coverage(settings, rules),
    }


def scored_members(con: duckdb.DuckDBPyConnection, period: str) -> pd.DataFrame:
    """The month's scored members in the published marts (``employee_no`` unique: a dbt test)."""
    return con.execute(
        "select employee_no, index_score, vetoed, in_pay_scope from marts.fct_member_index_monthly where month = ?",
        [period],
    ).df()


def against_marts(scored: pd.DataFrame, staged: pd.DataFrame, rules: RuleVersion) -> pd.DataFrame:
    """The frame of suite ``hr_export_marts``: each staged row (the CSV as read back) beside what
    the published marts say of its employee: ``scored_in_pay_scope`` (a scored member of the
    month in the pay scope, the export's rows), ``mart_index`` (the member month's index, null
    for no scored member) and ``spec_grade`` (the grade the rules give the row's index, ranked
    among all the month's scored members: :func:`expectations.marts.spec_grades`)."""
    by_employee = scored.set_index("employee_no")
    employee = staged["employee_no"]
    vetoed = employee.map(by_employee["vetoed"]).eq(True)
    return pd.DataFrame(
        {
            "employee_no": employee,
            "pioneer_index": staged["pioneer_index"],
            "grade": staged["grade"],
            "scored_in_pay_scope": employee.map(by_employee["in_pay_scope"]).eq(True),
            "mart_index": employee.map(by_employee["index_score"]).astype(float),
            "spec_grade": spec_grades(staged["pioneer_index"], vetoed, scored["index_score"], rules),
        }
    )


def _publish_month(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    period: str,
    rules: RuleVersion,
    run_name: str,
    notice_until: dt.date | None = None,
) -> tuple[MonthOutcome, str | None, list[dict]]:
    """Write, audit and publish the month's next HR version, or with ``notice_until`` its notice."""
    home = settings.home
    rows = month_rows(con, period)
    previous = None if notice_until else latest_manifest(home, period)
    version = previous["version"] + 1 if previous else 1
    changed: list[str] = []
    if previous:
        previous_csv = Home(home).hr / period / f"pioneer_index_{period}_v{previous['version']}.csv"
        changed = changed_employees(read_export(previous_csv), rows)
        if not changed:
            return MonthOutcome(period, "unchanged", previous["version"]), None, []
    hr_payload = render_csv(rows, version)
    if notice_until:
        name, folder = f"pioneer_notice_{period}", Home(home).notice / period
        payload = render_notice(notice_rows(con, period), notice_until)
    else:
        name, folder, payload = f"pioneer_index_{period}_v{version}", Home(home).hr / period, hr_payload
    staging = Home(home).export_staging / name
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / f"{name}.csv").write_bytes(payload)

    # audit what will be published, as written (a notice: the HR rows it shows, as v1 would hold them)
    staged = read_export(io.BytesIO(hr_payload))
    scored = scored_members(con, period)
    parameters = gate_parameters(settings, rules, period, version, scored)
    coverage_frame = kpi_coverage_rows(con, period)[["employee_no", "kpi_missing"]]
    results: list[GateResult] = [
        validate_frame(home, "hr_export", staged, parameters, f"{run_name}_{name}"),
        validate_frame(
            home, "hr_export_marts", against_marts(scored, staged, rules), parameters, f"{run_name}_{name}"
        ),
        validate_frame(home, "hr_export_kpi_coverage", coverage_frame, parameters, f"{run_name}_{name}"),
    ]
    docs = results[-1].docs_index
    verdicts = [r.verdict(f"export:{name}") for r in results]
    if not all(r.passed for r in results):
        report = Home(home).export_failures / f"{name}_{run_name}.json"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(
            json.dumps(
                {
                    "period": period,
                    "version": None if notice_until else version,
                    "run": run_name,
                    "data_docs": docs,
                    "failures": [asdict(f) | {"suite": r.suite} for r in results for f in r.failures],
                },
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
        shutil.rmtree(staging)
        return MonthOutcome(period, "failed", version, failure_report=str(report)), docs, verdicts

    identity = {"version": version} if not notice_until else {"kind": "notice"}
    lineage = (
        {"notice_until": notice_until.isoformat()}
        if notice_until
        else {"supersedes": previous["version"] if previous else None, "changed_employee_nos": changed}
    )
    manifest = {
        "period": period,
        **identity,
        "created_at": settings.clock().isoformat(timespec="seconds"),
        "row_count": len(rows),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "rule_version": rules.rule_version,
        "validation": {"suites": list(SUITES), "passed": True},
        **lineage,
        "kpi_missing_employee_nos": sorted(rows.loc[rows["kpi_missing"], "employee_no"].tolist()),
        "appeals_open_employee_nos": open_appeals(con, period),
    }
    (staging / f"{name}.manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    folder.mkdir(parents=True, exist_ok=True)
    for shared in (Home(home).exports, folder.parent, folder):  # HR's pickup reads these, nothing else
        share(shared, settings.export_group, 0o750)
    for suffix in (".csv", ".manifest.json"):  # the manifest last: a version exists once it does
        destination = folder / f"{name}{suffix}"
        if destination.exists():
            raise FileExistsError(f"refusing to rewrite published {destination}")
        share(staging / f"{name}{suffix}", settings.export_group, 0o640)
        os.replace(staging / f"{name}{suffix}", destination)
        crash_point(settings.kill_at, "export:csv" if suffix == ".csv" else "export:month")
    staging.rmdir()
    action = "on notice" if notice_until else "published"
    outcome = MonthOutcome(
        period, action, None if notice_until else version, str(folder / f"{name}.csv"), len(rows)
    )
    outcome.changed_employee_nos = changed
    return outcome, docs, verdicts


def publish_due_exports(settings: Settings, warehouse: Path) -> PublishSummary:
    """Publish every due month and every restatement; never touch a published file."""
    today = settings.clock().date()
    run_name = settings.clock().strftime("%Y%m%dT%H%M%S")
    summary = PublishSummary()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        months = [
            r[0]
            for r in con.execute(
                "select distinct month from marts.fct_member_index_monthly order by 1"
            ).fetchall()
        ]
        for period in months:
            if settings.export_from and period < settings.export_from:
                continue
            rules = rules_in_force(con, period)
            day = export_day_of(settings, rules)
            if today < export_date(period, day):
                continue
            published = latest_manifest(settings.home, period)
            if published and today > export_date(add_months(period, int(rules.restatement_months)), day):
                continue  # the restatement window is over: M stays as published
            notice_until = export_date(period, day) + dt.timedelta(days=int(rules.notice_days))
            if not published and today < notice_until:  # on notice (公示) until HR's v1 is due
                if (settings.layout.notice / period / f"pioneer_notice_{period}.manifest.json").exists():
                    continue
                outcome, docs, verdicts = _publish_month(settings, con, period, rules, run_name, notice_until)
            else:
                outcome, docs, verdicts = _publish_month(settings, con, period, rules, run_name)
            summary.months.append(outcome)
            summary.gates.extend(verdicts)
            summary.data_docs = docs or summary.data_docs
        from exports.hr_readme import write_readme  # it renders with this module's helpers

        write_readme(settings, con)
    return summary
