"""``pioneer explain``: a member month's points ledger, line by line, ending in index and grade."""

from __future__ import annotations

import duckdb

from pioneer.config import Settings
from pioneer.transform import warehouse_path


class LedgerNotFound(LookupError):
    """No index for that employee and month (not scored, unknown, or not built yet)."""


def explain_member_month(settings: Settings, employee_no: str, month: str) -> str:
    warehouse = warehouse_path(settings)
    if not warehouse.exists():
        raise LedgerNotFound(f"no warehouse at {warehouse}: run `pioneer run` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        head = con.execute(
            "select member_id, branch_id, active_days, org_life, learning, performance, pioneer_role, "
            "base, bonus, deductions, vetoed, index_score, grade, performance_coefficient, "
            "rank_in_branch, rank_overall, kpi_missing, rule_version "
            "from marts.fct_member_index_monthly where employee_no = ? and month = ?",
            [employee_no, month],
        ).fetchone()
        if head is None:
            raise LedgerNotFound(f"no index for employee {employee_no} in {month} (not a scored member?)")
        cols = [d[0] for d in con.description]
        row = dict(zip(cols, head, strict=True))
        ledger = con.execute(
            "select component, points, source_system, source_record_id, detail "
            "from marts.fct_member_points_ledger where member_id = ? and month = ? "
            "order by case when points >= 0 then 0 else 1 end, component, source_record_id",
            [row["member_id"], month],
        ).fetchall()
    lines = [
        f"Pioneer Index 先锋指数 — employee {employee_no} ({row['member_id']}), {month}, "
        f"branch {row['branch_id']}, {row['active_days']} active days, rules {row['rule_version']}",
        "",
        f"{'component':<22}{'points':>9}  {'source':<12}{'record':<28}detail",
    ]
    total = 0
    for component, points, system, record, detail in ledger:
        total += points
        lines.append(f"{component:<22}{points:>9.2f}  {system or '':<12}{record or '':<28}{detail or ''}")
    lines += [
        "-" * 80,
        f"{'ledger total':<22}{total:>9.2f}",
        f"base {row['base']:.2f} (组织生活 org_life {row['org_life']:.2f}, 学习教育 learning {row['learning']:.2f}, "
        f"业绩贡献 performance {row['performance']:.2f}, 先锋作用 pioneer_role {row['pioneer_role']:.2f})"
        + (" — KPI missing" if row["kpi_missing"] else ""),
        f"bonus {row['bonus']:.2f} (after caps), deductions {row['deductions']:.2f} (after cap)"
        + (", VETO 清零" if row["vetoed"] else ""),
        f"index {row['index_score']}  grade {row['grade']}  coefficient {row['performance_coefficient']}  "
        f"rank {row['rank_in_branch']} in branch, {row['rank_overall']} overall",
    ]
    return "\n".join(lines)
