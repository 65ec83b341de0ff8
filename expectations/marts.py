"""Mart gates: run on the candidate warehouse after dbt, before it is published.

The gates judge by docs/scoring.md, never stricter: a grade is checked by deriving it again from
the index, the company-wide rank (``RANK()``: ties share a rank, so a tie at the PIONEER cut-off
makes every tied member a PIONEER) and the veto, with the constants of the month's rule version
(:func:`spec_grades`); the HR export gate (``exports/hr.py``) derives it the same way. The rules
of a month are the warehouse's ``marts.dim_rule_version``, the grades the vocabulary's
(:mod:`core.vocabulary`); :func:`rule_parameters` turns a rule version into the suite parameters
of both gates.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from core.rules import RuleVersion
from core.vocabulary import grade_coefficient, grade_cutoff, load_vocabulary, rule_version
from expectations.gates import GateResult, validate_frame

MEMBER_COLUMNS = (
    "member_id, employee_no, month, active_days, index_score, base, bonus, deductions, vetoed, "
    "grade, performance_coefficient, rank_overall, rule_version"
)


def spec_ranks(index: pd.Series, population: pd.Series) -> np.ndarray:
    """``RANK() OVER (ORDER BY index DESC)`` of each ``index`` among ``population`` (the month's
    scored members): 1 + the number of members with a higher index."""
    ordered = np.sort(population.to_numpy(dtype=float))
    return 1 + len(ordered) - np.searchsorted(ordered, index.to_numpy(dtype=float), side="right")


def spec_grades(index: pd.Series, vetoed: pd.Series, population: pd.Series, rules: RuleVersion) -> pd.Series:
    """The grade docs/scoring.md gives each member month of one month: the best grade (PIONEER)
    when index ≥ its cut-off and rank ≤ floor(pioneer_share × scored members), else the next ones
    (QUALIFIED, WARNING) by their cut-offs, else the lowest (LAGGING); a veto is the lowest
    whatever the index."""
    best, *middle, lowest = load_vocabulary().grade_codes
    limit = math.floor(Decimal(str(rules.pioneer_share)) * len(population))
    rank = spec_ranks(index, population)
    score = index.to_numpy(dtype=float)
    grade = np.select(
        [(score >= float(grade_cutoff(rules, best))) & (rank <= limit)]
        + [score >= float(grade_cutoff(rules, g)) for g in middle],
        [best, *middle],
        lowest,
    )
    grade[vetoed.to_numpy(dtype=bool)] = lowest
    return pd.Series(grade, index=index.index)


def rule_parameters(rules: RuleVersion) -> dict:
    """The suite parameters a rule version sets, for the member-index gate and the HR export gate
    alike (the export adds its month's own, :func:`exports.hr.gate_parameters`)."""
    return {
        "min_active_days": int(rules.min_active_days),
        "index_min": float(rules.index_min),
        "index_max": float(rules.index_max),
        "base_max": float(
            rules.org_life_max + rules.learning_max + rules.performance_max + rules.pioneer_role_max
        ),
        "bonus_cap": float(rules.bonus_cap),
        "deduction_cap": float(rules.deduction_cap),
        "grade_coefficients": grade_coefficients(rules),
    }


def grade_coefficients(rules: RuleVersion) -> list[list]:
    """(grade, performance coefficient) pairs of a rule version (docs/scoring.md, HR linkage)."""
    return [[grade, float(grade_coefficient(rules, grade))] for grade in load_vocabulary().grade_codes]


def member_frame(members: pd.DataFrame, rules_by_version: dict[str, RuleVersion]) -> pd.DataFrame:
    """The member months with, per month, the rank and grade the rules give (``spec_rank``,
    ``spec_grade``), computed over all scored members of that month."""
    frame = members.reset_index(drop=True).astype(
        {"index_score": float, "base": float, "bonus": float, "deductions": float}
    )
    frame["performance_coefficient"] = frame["performance_coefficient"].astype(float)
    frame["spec_rank"], frame["spec_grade"] = 0, ""
    for _, month in frame.groupby("month"):
        rules = rules_by_version[month["rule_version"].iloc[0]]
        frame.loc[month.index, "spec_rank"] = spec_ranks(month["index_score"], month["index_score"])
        frame.loc[month.index, "spec_grade"] = spec_grades(
            month["index_score"], month["vetoed"], month["index_score"], rules
        )
    return frame


def validate_marts(
    home: Path,
    warehouse: Path,
    run_name: str,
    months: list[str] | None = None,
    clock: dt.datetime | None = None,
) -> list[GateResult]:
    """Validate the member index (per rule version) and the monthly summary of ``months`` (all if
    None); ``clock`` is the run's clock (its month and later are not complete: not in the marts)."""
    results = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        month_filter = (
            "where month in (select unnest(?::varchar[]))" if months else "where ?::varchar[] is null"
        )
        members = con.execute(
            f"select {MEMBER_COLUMNS} from marts.fct_member_index_monthly {month_filter} order by month, member_id",
            [months],
        ).df()
        rules = {version: rule_version(con, version) for version in members["rule_version"].unique()}
        frame = member_frame(members, rules)
        for version, rows in frame.groupby("rule_version"):
            results.append(
                validate_frame(
                    home,
                    "marts_member_index",
                    rows.reset_index(drop=True),
                    rule_parameters(rules[version]),
                    f"{run_name}_{version}",
                )
            )
        summary = con.execute(
            f"""
            with m as (select * from marts.fct_member_index_monthly {month_filter}),
            of_record as (select distinct month, branch_id from m),
            indexed as (select month, branch_id from marts.fct_branch_index_monthly
                        where month in (select month from m))
            select m.month,
                   count(*) as scored_members,
                   (select count(*) from of_record r anti join indexed i using (month, branch_id)
                    where r.month = m.month) as branches_without_index,
                   (select count(*) from indexed i anti join of_record r using (month, branch_id)
                    where i.month = m.month) as indexes_without_branch
            from m group by m.month order by m.month
            """,
            [months],
        ).df()
        clock_month = (clock or dt.datetime.max).strftime("%Y-%m")
        summary["complete_month"] = summary["month"] < clock_month
        results.append(validate_frame(home, "marts_monthly_summary", summary, {}, run_name))
    return results
