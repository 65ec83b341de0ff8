"""Mart gates on a small candidate warehouse: a clean one passes, each broken rule is named."""

from pathlib import Path

import duckdb
import pytest
from rule_versions import create_dim_rule_version

from expectations.marts import validate_marts

RULES_SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "rules.csv"


def member_rows(month: str, n: int = 20) -> list[tuple]:
    rows = []
    for i in range(1, n + 1):
        grade, score, coef, rank = ("PIONEER", 92.0, 1.05, 1) if i <= 2 else ("QUALIFIED", 75.5, 1.00, 3)
        branch = "B01" if i % 2 else "B02"
        rows.append(
            (
                f"M{i:06d}",
                f"SG{i:07d}",
                month,
                branch,
                30,
                score,
                70.0,
                5.5,
                0.0,
                False,
                grade,
                coef,
                rank,
                "v1",
            )
        )
    return rows


def warehouse(path: Path, rows: list[tuple], branch_rows: list[tuple]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging; create schema marts")
        create_dim_rule_version(con, RULES_SEED)
        con.execute(
            "create table marts.fct_member_index_monthly (member_id varchar, employee_no varchar, month varchar, "
            "branch_id varchar, active_days int, index_score decimal(5,2), base decimal(8,4), bonus decimal(8,4), "
            "deductions decimal(8,4), vetoed boolean, grade varchar, performance_coefficient decimal(3,2), "
            "rank_overall bigint, rule_version varchar)"
        )
        con.executemany(
            "insert into marts.fct_member_index_monthly values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows
        )
        con.execute("create table marts.fct_branch_index_monthly (branch_id varchar, month varchar)")
        con.executemany("insert into marts.fct_branch_index_monthly values (?, ?)", branch_rows)
    return path


@pytest.fixture
def branches():
    return [("B01", "2026-09"), ("B02", "2026-09"), ("B01", "2026-10"), ("B02", "2026-10")]


def failed_rules(results) -> set[str]:
    return {f.rule or f.expectation for r in results for f in r.failures}


def test_clean_marts_pass(tmp_path, branches):
    wh = warehouse(tmp_path / "w.duckdb", member_rows("2026-09") + member_rows("2026-10"), branches)
    results = validate_marts(tmp_path / "home", wh, "t1")
    assert all(r.passed for r in results), failed_rules(results)


GRADE_RULE = "the grade follows from index, company-wide rank (RANK(): ties share a rank) and veto by the month's rules"


def test_each_broken_rule_is_named(tmp_path, branches):
    rows = member_rows("2026-09") + member_rows("2026-10")
    rows[5] = rows[5][:10] + ("WARNING", 0.95) + rows[5][12:]  # 75.5 is not a WARNING index
    rows[6] = rows[6][:4] + (4,) + rows[6][5:]  # too few active days to be scored
    rows.append(rows[7])  # a duplicate member month
    wh = warehouse(tmp_path / "w.duckdb", rows, branches[:3])  # B02 has no branch index in 2026-10
    failed = failed_rules(validate_marts(tmp_path / "home", wh, "t2"))
    assert GRADE_RULE in failed
    assert "only scored members (enough active days) get an index" in failed
    assert "one row per scored member per month" in failed
    assert "a branch index for every branch of record of a scored member" in failed


def test_a_tie_at_the_pioneer_cut_off_makes_every_tied_member_a_pioneer(tmp_path):
    """35 scored members: floor(0.10 x 35) = 3, ranks 1, 2, 3, 3 score >= 90, so 4 PIONEERs (RANK())."""
    rows = [r[:5] + (75.5,) + r[6:10] + ("QUALIFIED", 1.00, 5) + r[13:] for r in member_rows("2026-10", 35)]
    for i, score in enumerate((98.0, 95.0, 91.0, 91.0)):
        rows[i] = rows[i][:5] + (score,) + rows[i][6:10] + ("PIONEER", 1.05, (1, 2, 3, 3)[i]) + rows[i][13:]
    branches = [("B01", "2026-10"), ("B02", "2026-10")]
    results = validate_marts(tmp_path / "home", warehouse(tmp_path / "w.duckdb", rows, branches), "tie")
    assert all(r.passed for r in results), failed_rules(results)

    rows[4] = rows[4][:5] + (90.5,) + rows[4][6:10] + ("PIONEER", 1.05, 5) + rows[4][13:]  # rank 5 > 3
    wrong = validate_marts(tmp_path / "home", warehouse(tmp_path / "w2.duckdb", rows, branches), "tie2")
    assert GRADE_RULE in failed_rules(wrong)


def test_a_month_not_yet_complete_is_refused(tmp_path, branches):
    import datetime as dt

    wh = warehouse(tmp_path / "w.duckdb", member_rows("2026-09") + member_rows("2026-10"), branches)
    in_november = dt.datetime(2026, 11, 6, 1, 30)
    assert all(r.passed for r in validate_marts(tmp_path / "home", wh, "c1", clock=in_november))
    in_october = dt.datetime(2026, 10, 31, 23, 0)  # October is still open: it cannot be in the marts
    failed = failed_rules(validate_marts(tmp_path / "home", wh, "c2", clock=in_october))
    assert failed == {"the marts hold only complete months (those before the clock's month)"}


def test_only_the_given_months_are_validated(tmp_path, branches):
    rows = member_rows("2026-09") + member_rows("2026-10")
    rows[0] = rows[0][:5] + (101.0,) + rows[0][6:]  # broken September
    wh = warehouse(tmp_path / "w.duckdb", rows, branches)
    assert all(r.passed for r in validate_marts(tmp_path / "home", wh, "t3", months=["2026-10"]))
    assert not all(r.passed for r in validate_marts(tmp_path / "home", wh, "t4", months=["2026-09"]))
