"""In-month warnings (动态预警, docs/outputs.md "Alerts"): one JSON file per Shanghai day,
``HOME/exports/alerts/YYYY-MM-DD.json``, replaced atomically by a later run that day, and POSTed
to the alert endpoint when one is configured (``exports.delivery.post_idempotent``, the HR
delivery's sender).

Two lists, each item with a stable ``code`` for machines and a ``message`` in Chinese for people:

- ``cadence``: the ``at_risk`` and ``missed`` rows of ``marts.fct_branch_cadence_status``
  (codes ``cadence.at_risk``, ``cadence.missed``), with the branch's name;
- ``completeness``: from day 1 of M+1 through M's export day, every department whose KPI
  coverage of M (``exports.hr.kpi_coverage_rows``, the export gate's figure) is below
  ``min_kpi_coverage``, with the missing employee numbers (code ``completeness.kpi_below_coverage``).

The file holds no time of day, so a rerun that finds the same holds the same bytes and the same
idempotency key (``alerts-<date>-<sha256>``): it is not sent twice. Each run delivers its own
day's file: a file is the whole state as of its day, so a failed delivery is retried by the next
run with that run's file (the same day's again, or the next day's, which supersedes it).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb

from core.config import Settings
from core.http_retry import RetryPolicy
from core.layout import Home
from core.months import add_months
from core.vocabulary import MonthRules, rules_in_force
from exports.delivery import DeliveryError, client, delivered_keys, post_idempotent, record_delivery
from exports.hr import (
    export_date,
    export_day_of,
    kpi_coverage,
    kpi_coverage_rows,
    min_kpi_coverage,
)

CADENCE_CODES = {"at_risk": "cadence.at_risk", "missed": "cadence.missed"}
COMPLETENESS_CODE = "completeness.kpi_below_coverage"
MESSAGE_EMPLOYEE_NOS = 20  # listed in a message; the item's missing_employee_nos has every one


def ledger_path(home: Path) -> Path:
    return Home(home).alert_deliveries


def period_label(period: str) -> str:
    """``2026-12`` → ``2026年12月``; ``2026-Q4`` → ``2026年第4季度``."""
    year, part = period.split("-")
    return f"{year}年第{part[1:]}季度" if part.startswith("Q") else f"{year}年{int(part)}月"


def listed(employee_nos: list[str], most: int = MESSAGE_EMPLOYEE_NOS) -> str:
    """Employee numbers for a message: all of them up to ``most``, else the first ``most`` and 等."""
    shown = "、".join(employee_nos[:most])
    return shown if len(employee_nos) <= most else f"{shown}等"


def cadence_message(row: dict) -> str:
    what = row["requirement_name"]
    if row["party_group"]:
        what = f"{row['party_group']}党小组的{what}"
    lacking = f"尚无有效的{what}（须应到党员过半数出席）" if row["needs_quorum"] else f"尚未召开{what}"
    where = f"{row['branch_name'] or row['branch_id']}：{period_label(row['period'])}{lacking}"
    if row["status"] == "missed":
        return f"{where}，该期已结束，计为未完成。"
    return f"{where}，距期末（{row['period_end']}）还剩 {row['days_left']} 天，请尽快安排。"


def cadence_alerts(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cursor = con.execute(
        """
        select status.status, status.branch_id, branch.branch_name, status.period, status.requirement,
               status.requirement_name, status.party_group, status.needs_quorum, status.days_left,
               cast(status.period_end as varchar) as period_end
        from marts.fct_branch_cadence_status as status
        left join marts.dim_branch as branch on branch.branch_id = status.branch_id
        where status.status in ('at_risk', 'missed')
        order by status.status, status.branch_id, status.period, status.requirement, status.party_group
        """
    )
    names = [d[0] for d in cursor.description]
    alerts = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        alerts.append(
            {"code": CADENCE_CODES[row["status"]]}
            | {k: row[k] for k in names if k != "needs_quorum"}
            | {"message": cadence_message(row)}
        )
    return alerts


def completeness_period(con: duckdb.DuckDBPyConnection, settings: Settings) -> tuple[str, MonthRules] | None:
    """Month M whose completeness is watched on the clock's day (from day 1 of M+1 through M's
    export day), with its rule version; None outside that window or when M is not in the marts."""
    today = settings.clock().date()
    period = add_months(f"{today:%Y-%m}", -1)
    found = con.execute(
        "select 1 from marts.fct_member_index_monthly where month = ? limit 1", [period]
    ).fetchone()
    if not found:
        return None
    rules = rules_in_force(con, period)
    return (period, rules) if today <= export_date(period, export_day_of(settings, rules)) else None


def completeness_alerts(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[dict]:
    watched = completeness_period(con, settings)
    if watched is None:
        return []
    period, rules = watched
    needed = min_kpi_coverage(settings, rules)
    due = export_date(period, export_day_of(settings, rules)).isoformat()
    rows = kpi_coverage_rows(con, period)
    alerts = []
    for (department_id, department_name), members in rows.groupby(
        ["department_id", "department_name"], dropna=False, sort=True
    ):
        coverage = kpi_coverage(members["kpi_missing"])
        if coverage >= needed:
            continue
        missing = sorted(members.loc[members["kpi_missing"].astype(bool), "employee_no"].tolist())
        name = department_name or department_id
        alerts.append(
            {
                "code": COMPLETENESS_CODE,
                "period": period,
                "department_id": department_id,
                "department_name": department_name,
                "members": len(members),
                "kpi_missing": len(missing),
                "coverage": round(coverage, 4),
                "min_kpi_coverage": needed,
                "export_date": due,
                "missing_employee_nos": missing,
                "message": (
                    f"{name}：{period_label(period)}绩效KPI覆盖率 {coverage:.1%}，低于要求的 {needed:.0%}，"
                    f"缺 {len(missing)} 人（{listed(missing)}）；请在 {due} 导出前补报。"
                ),
            }
        )
    return alerts


def build_alerts(settings: Settings, warehouse: Path) -> dict:
    """The day's alerts from the published warehouse (read-only)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cadence = cadence_alerts(con)
        completeness = completeness_alerts(con, settings)
    return {
        "date": f"{settings.clock().date():%Y-%m-%d}",
        "counts": {
            "cadence_at_risk": sum(a["code"] == CADENCE_CODES["at_risk"] for a in cadence),
            "cadence_missed": sum(a["code"] == CADENCE_CODES["missed"] for a in cadence),
            "branches_at_risk": len(
                {a["branch_id"] for a in cadence if a["code"] == CADENCE_CODES["at_risk"]}
            ),
            "departments_below_kpi_coverage": len(completeness),
        },
        "cadence": cadence,
        "completeness": completeness,
    }


def write_alerts(settings: Settings, alerts: dict) -> Path:
    """Write the day's file atomically (a reader sees the old file or the new, never half)."""
    folder = settings.layout.alerts
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{alerts['date']}.json"
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(alerts, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def idempotency_key(path: Path) -> str:
    return f"alerts-{path.stem}-{hashlib.sha256(path.read_bytes()).hexdigest()}"


def deliver_alerts(settings: Settings, path: Path, policy: RetryPolicy | None = None) -> dict | None:
    """POST the day's file to the alert endpoint unless it was delivered with these very bytes;
    returns the ledger entry of a new delivery, else None."""
    if not settings.alert_endpoint_url:
        return None
    key, ledger = idempotency_key(path), ledger_path(settings.home)
    if key in delivered_keys(ledger):
        return None
    secrets = [settings.alert_endpoint_token]
    try:
        with client(settings.alert_endpoint_token) as http:
            response = post_idempotent(
                http, settings.alert_endpoint_url, key, "alert", secrets, policy,
                content=path.read_bytes(), headers={"Content-Type": "application/json; charset=utf-8"},
            )  # fmt: skip
    except RuntimeError as error:
        raise DeliveryError(
            f"delivery of alerts {path.name} failed; it is retried next run: {error}"
        ) from error
    entry = {
        "date": path.stem,
        "idempotency_key": key,
        "delivered_at": settings.clock().isoformat(timespec="seconds"),
        "status_code": response.status_code,
    }
    record_delivery(ledger, entry)
    return entry


def publish_alerts(settings: Settings, warehouse: Path) -> dict:
    """Write the day's alert file; what the run record keeps of it (deliver with :func:`deliver_alerts`)."""
    alerts = build_alerts(settings, warehouse)
    path = write_alerts(settings, alerts)
    return {"file": str(path), **alerts["counts"]}
