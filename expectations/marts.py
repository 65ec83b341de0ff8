"""Mart gates: run on the candidate warehouse after dbt, before it is published."""

from __future__ import annotations

from pathlib import Path

import duckdb

from expectations.gates import GateResult, validate_frame

MEMBER_COLUMNS = (
    "member_id, employee_no, month, active_days, index_score, base, bonus, deductions, vetoed, "
    "grade, performance_coefficient, rule_version"
)


def _rules(con: duckdb.DuckDBPyConnection, version: str) -> dict:
    cursor = con.execute("select * from staging.rules where rule_version = ?", [version])
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))


def member_parameters(rules: dict) -> dict:
    return {
        "min_active_days": int(rules["min_active_days"]),
        "index_min": float(rules["index_min"]),
        "index_max": float(rules["index_max"]),
        "base_max": float(
            rules["org_life_max"]
            + rules["learning_max"]
            + rules["performance_max"]
            + rules["pioneer_role_max"]
        ),
        "bonus_cap": float(rules["bonus_cap"]),
        "deduction_cap": float(rules["deduction_cap"]),
        "grade_pioneer_min": float(rules["grade_pioneer_min"]),
        "grade_qualified_min": float(rules["grade_qualified_min"]),
        "grade_warning_min": float(rules["grade_warning_min"]),
        "grade_coefficients": [
            ["PIONEER", float(rules["coef_pioneer"])],
            ["QUALIFIED", float(rules["coef_qualified"])],
            ["WARNING", float(rules["coef_warning"])],
            ["LAGGING", float(rules["coef_lagging"])],
        ],
    }


def validate_marts(
    home: Path, warehouse: Path, run_name: str, months: list[str] | None = None
) -> list[GateResult]:
    """Validate the member index (per rule version) and the monthly summary of ``months`` (all if None)."""
    results = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        month_filter = (
            "where month in (select unnest(?::varchar[]))" if months else "where ?::varchar[] is null"
        )
        members = con.execute(
            f"select {MEMBER_COLUMNS} from marts.fct_member_index_monthly {month_filter} order by month, member_id",
            [months],
        ).df()
        for version, frame in members.groupby("rule_version"):
            rules = _rules(con, version)
            frame = frame.reset_index(drop=True).astype(
                {
                    "index_score": float,
                    "base": float,
                    "bonus": float,
                    "deductions": float,
                    "performance_coefficient": float,
                }
            )
            results.append(
                validate_frame(
                    home, "marts_member_index", frame, member_parameters(rules), f"{run_name}_{version}"
                )
            )
        summary = con.execute(
            f"""
            with m as (select * from marts.fct_member_index_monthly {month_filter})
            select m.month,
                   count(*) as scored_members,
                   count(*) filter (where m.grade = 'PIONEER') as pioneers,
                   floor(max(r.pioneer_share) * count(*)) as pioneer_limit,
                   count(distinct m.branch_id) as branches_of_record,
                   (select count(*) from marts.fct_branch_index_monthly b where b.month = m.month) as branches_indexed
            from m join staging.rules r on r.rule_version = m.rule_version
            group by m.month order by m.month
            """,
            [months],
        ).df()
        results.append(validate_frame(home, "marts_monthly_summary", summary, {}, run_name))
    return results
