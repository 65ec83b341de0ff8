"""Every expectation of every suite, in both directions (docs/outputs.md: "Gates judge by the spec, in
both directions": a gate never rejects what docs/scoring.md allows, never lets through what it
forbids).

Per suite, a small spec-correct frame that passes with neither failures nor warnings; per
expectation, at least one mutation of it that is wrong by the spec and makes exactly that
expectation fail (its failure in ``failures``, or in ``warnings`` with the gate still passing for
an expectation of severity warning), and nothing else. Frames and parameters come the way the
pipeline makes them: the v1 row of the rules (``core.vocabulary.rule_version`` / ``rules_in_force``
over a ``marts.dim_rule_version`` made from ``dbt_project/seeds/rules.csv``), ``member_frame`` /
``expectations.marts.rule_parameters`` for the mart gate,
``month_rows`` / ``render_csv`` / ``read_export`` / ``gate_parameters`` for the HR export,
``_parameters`` and the ``Settings`` defaults for the source gates.

``test_every_expectation_has_a_case`` keeps the table whole: an expectation added to a suite
without a failing case here fails it. expectations/README.md lists the table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from rule_versions import create_dim_rule_version

from core.config import Settings
from core.vocabulary import rule_version as rules_of
from core.vocabulary import rules_in_force
from expectations.gates import SUITES_DIR, is_warning, validate_frame
from expectations.marts import MEMBER_COLUMNS, member_frame
from expectations.marts import rule_parameters as member_parameters
from expectations.sources import TIME_MIN, _parameters
from exports.hr import against_marts, gate_parameters, month_rows, read_export, render_csv, scored_members
from ingest.schema import entity_schema

RULES_SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "rules.csv"
PERIOD, NEXT = "2026-09", "2026-10"
CLOCK = dt.datetime(2026, 11, 5, 1, 30)  # the run's clock, Shanghai local (naive, as the gates get it)
COEF = {"PIONEER": 1.05, "QUALIFIED": 1.00, "WARNING": 0.95, "LAGGING": 0.90}  # docs/scoring.md, HR linkage

Frame = pd.DataFrame
Build = Callable[[Path], tuple[Frame, dict]]
Mutation = Callable[[Frame], Frame]


def same(frame: Frame) -> Frame:
    return frame


# ----------------------------------------------------------------------------------------------
# The table


def expectation_key(type_: str, kwargs: dict) -> str:
    """How a case names an expectation of its suite: its type and its columns (a table-level
    expectation by its type alone); unique within a suite (checked below)."""
    name = type_.removeprefix("expect_")
    if name.startswith("table_"):
        return name
    columns = kwargs.get("column_list") if "column_list" in kwargs else None
    columns = columns or [kwargs[c] for c in ("column", "column_A", "column_B") if c in kwargs]
    return f"{name}({','.join(columns)})"


def suite_expectations(suite: str) -> dict[str, dict]:
    spec = json.loads((SUITES_DIR / f"{suite}.json").read_text())
    return {expectation_key(e["type"], e["kwargs"]): e for e in spec["expectations"]}


@dataclass(frozen=True)
class Case:
    suite: str
    name: str
    build: Build
    expect: frozenset[str]  # keys of the expectations this frame must fail (or warn): exactly these
    doc: str  # what the frame is, in the spec's words (expectations/README.md)

    @property
    def id(self) -> str:
        return f"{self.suite}-{self.name}"


CASES: list[Case] = []


def case(suite: str, name: str, build: Build, doc: str, *expect: str) -> None:
    CASES.append(Case(suite, name, build, frozenset(expect), doc))


# ----------------------------------------------------------------------------------------------
# Marts: a candidate warehouse of two months, the rules seed beside it

# September: 35 scored members, so PIONEER needs rank <= floor(0.10 x 35) = 3, and the tie at rank 3
# makes 4 PIONEERs. (index, grade) in rank order; the last one is vetoed.
SEPTEMBER = [
    (100.00, "PIONEER"),
    (95.00, "PIONEER"),
    (92.00, "PIONEER"),  # rank 3
    (92.00, "PIONEER"),  # rank 3 too: the tie at the cut-off
    (91.00, "QUALIFIED"),  # rank 5: >= 90 but past the cut-off
    (90.00, "QUALIFIED"),  # rank 6
    *[
        (s, "QUALIFIED")
        for s in (88, 86.5, 85, 84, 83, 82, 81, 80, 79, 78, 77, 76, 75.5, 75, 74, 73, 72, 71, 70.01)
    ],
    (70.00, "QUALIFIED"),
    (69.99, "WARNING"),
    (65.00, "WARNING"),
    (62.00, "WARNING"),
    (60.00, "WARNING"),
    (59.99, "LAGGING"),
    (45.00, "LAGGING"),
    (30.00, "LAGGING"),
    (12.00, "LAGGING"),
    (0.00, "LAGGING"),  # vetoed: index 0 and LAGGING, whatever the other parts are
]
# October: 12 scored members, PIONEER limit floor(1.2) = 1, but nobody reaches 90: no PIONEER.
OCTOBER = [
    (89.99, "QUALIFIED"),
    *[(s, "QUALIFIED") for s in (85, 80, 78, 76, 74, 72, 70)],
    (68.00, "WARNING"),
    (61.00, "WARNING"),
    (50.00, "LAGGING"),
    (40.00, "LAGGING"),
]
KPI_MISSING = {83.0, 45.0}  # two September members without a KPI (33 of 35 have one)


def member_rows(month: str, scores: list[tuple[float, str]]) -> list[tuple]:
    rows = []
    n = len(scores)
    for position, (index, grade) in enumerate(scores):
        number = (position * 13) % n + 1  # member ids not in rank order
        vetoed = month == PERIOD and position == n - 1
        base, bonus, deductions = min(index, 80.0), max(index - 80.0, 0.0), 0.0
        if vetoed:
            base, bonus = 72.5, 3.0  # the columns keep their computed values; the ledger takes it away
        elif index == 12.0:
            base, deductions = 32.0, 20.0  # the deduction cap
        active_days = 10 if position == 1 else 31 if (month, position) == (NEXT, 0) else 30
        rank = 1 + sum(other > index for other, _ in scores)
        rows.append(
            (
                f"M{number:06d}",
                f"SG37{number:05d}",
                month,
                active_days,
                index,
                base,
                bonus,
                deductions,
                vetoed,
                grade,
                COEF[grade],
                rank,
                "v1",
                month == PERIOD and index in KPI_MISSING,
            )
        )
    return rows


def warehouse() -> duckdb.DuckDBPyConnection:
    """The rules seed as dbt loads it and a spec-correct ``fct_member_index_monthly``."""
    con = duckdb.connect()
    con.execute("create schema staging; create schema marts")
    create_dim_rule_version(con, RULES_SEED)
    con.execute(
        "create table marts.fct_member_index_monthly (member_id varchar, employee_no varchar, "
        "month varchar, active_days integer, index_score decimal(5,2), base decimal(8,4), "
        "bonus decimal(8,4), deductions decimal(8,4), vetoed boolean, grade varchar, "
        "performance_coefficient decimal(3,2), rank_overall bigint, rule_version varchar, kpi_missing boolean, "
        "in_pay_scope boolean default true)"
    )
    con.executemany(
        "insert into marts.fct_member_index_monthly (member_id, employee_no, month, active_days, index_score, base, "
        "bonus, deductions, vetoed, grade, performance_coefficient, rank_overall, rule_version, kpi_missing) "
        "values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        member_rows(PERIOD, SEPTEMBER) + member_rows(NEXT, OCTOBER),
    )
    return con


def edit(where: dict, **values) -> Mutation:
    """Set ``values`` on the first row matching ``where`` (floats compared as scores)."""

    def mutate(frame: Frame) -> Frame:
        frame = frame.copy()
        match = np.ones(len(frame), dtype=bool)
        for column, value in where.items():
            column_values = frame[column]
            match &= (
                np.isclose(column_values.astype(float), value)
                if isinstance(value, float)
                else (column_values == value).to_numpy()
            )
        row = frame.index[match][0]
        for column, value in values.items():
            frame.loc[row, column] = value
        return frame

    return mutate


def then(*mutations: Mutation) -> Mutation:
    def mutate(frame: Frame) -> Frame:
        for mutation in mutations:
            frame = mutation(frame)
        return frame

    return mutate


def mart(mutation: Mutation = same) -> Build:
    """``validate_marts``' frame and parameters for the warehouse's member months, mutated."""

    def build(tmp: Path) -> tuple[Frame, dict]:
        with warehouse() as con:
            members = con.execute(
                f"select {MEMBER_COLUMNS} from marts.fct_member_index_monthly order by month, member_id"
            ).df()
            rules = rules_of(con, "v1")
        return member_frame(mutation(members), {"v1": rules}), member_parameters(rules)

    return build


def member(index: float, month: str = PERIOD, **values) -> Mutation:
    return edit({"month": month, "index_score": index}, **values)


def graded(index: float, grade: str, month: str = PERIOD) -> Mutation:
    """The member month of ``index`` given ``grade`` (and that grade's coefficient)."""
    return member(index, month, grade=grade, performance_coefficient=COEF[grade])


def reranked(method: str) -> Mutation:
    """September's rank_overall by another ranking (pandas ``first`` is ROW_NUMBER(), ``dense``
    DENSE_RANK()): grades stay right, only the rank is wrong."""

    def mutate(frame: Frame) -> Frame:
        frame = frame.copy()
        month = frame["month"] == PERIOD
        ranks = frame.loc[month, "index_score"].rank(method=method, ascending=False).astype("int64")
        frame.loc[month, "rank_overall"] = ranks
        return frame

    return mutate


def duplicated_member_month(frame: Frame) -> Frame:
    last = frame[(frame["month"] == PERIOD) & frame["vetoed"]]  # the last-ranked: ranks stay right
    return pd.concat([frame, last], ignore_index=True)


def all_tied_in_october(frame: Frame) -> Frame:
    frame = frame.copy()
    october = frame["month"] == NEXT
    frame.loc[october, ["index_score", "base", "bonus", "deductions"]] = [95.0, 80.0, 15.0, 0.0]
    frame.loc[october, ["grade", "performance_coefficient", "rank_overall"]] = ["PIONEER", 1.05, 1]
    return frame


MI = "marts_member_index"
UNIQUE_MEMBER_MONTH = "compound_columns_to_be_unique(member_id,month)"
GRADE_RULE = "column_pair_values_to_be_equal(grade,spec_grade)"
RANK_RULE = "column_pair_values_to_be_equal(rank_overall,spec_rank)"
MI_COEFFICIENT = "column_pair_values_to_be_in_set(grade,performance_coefficient)"
case(
    MI,
    "clean",
    mart(),
    "September: 35 scored members, 100/95/92/92 PIONEER (tie at rank 3 = floor(0.10 x 35)), 91 (rank 5) "
    "and 90 QUALIFIED, 70 QUALIFIED, 69.99 and 60 WARNING, 59.99 LAGGING, a vetoed member with index 0 "
    "LAGGING; October: 12 members, top 89.99 QUALIFIED (no PIONEER); bonus 20, deductions 20, base 80, "
    "active days 10 and 31",
)
case(
    MI,
    "all_tied_at_rank_1",
    mart(all_tied_in_october),
    "October: all 12 members at 95, all rank 1, all PIONEER (limit 1, ties share the rank): passes",
)
case(
    MI,
    "duplicate_member_month",
    mart(duplicated_member_month),
    "a member month twice",
    UNIQUE_MEMBER_MONTH,
)
case(
    MI,
    "employee_no_missing",
    mart(member(75.5, employee_no=None)),
    "a member month without employee_no",
    "column_values_to_not_be_null(employee_no)",
)
case(
    MI,
    "active_days_9",
    mart(member(75.5, active_days=9)),
    "9 active days (< min_active_days 10): not a scored member",
    "column_values_to_be_between(active_days)",
)
case(
    MI,
    "active_days_32",
    mart(member(75.5, active_days=32)),
    "32 active days",
    "column_values_to_be_between(active_days)",
)
case(
    MI,
    "index_100_01",
    mart(member(100.0, index_score=100.01)),
    "index 100.01 (> index_max)",
    "column_values_to_be_between(index_score)",
)
case(
    MI,
    "index_negative",
    mart(then(member(12.0, index_score=-1.0, rank_overall=35), member(0.0, rank_overall=34))),
    "index -1 (< index_min), ranks kept right",
    "column_values_to_be_between(index_score)",
)
for column, top in (("base", 80.0), ("bonus", 20.0), ("deductions", 20.0)):
    case(
        MI,
        f"{column}_above_cap",
        mart(member(100.0 if column != "deductions" else 12.0, **{column: top + 0.01})),
        f"{column} {top + 0.01:.2f} (above its cap)",
        f"column_values_to_be_between({column})",
    )
    case(
        MI,
        f"{column}_negative",
        mart(member(75.5, **{column: -0.01})),
        f"{column} -0.01 (the columns hold amounts >= 0)",
        f"column_values_to_be_between({column})",
    )
case(
    MI,
    "grade_not_a_grade",
    mart(member(75.5, grade="GOOD")),
    "grade GOOD (then also not the spec's grade, and no coefficient of it)",
    "column_values_to_be_in_set(grade)",
    GRADE_RULE,
    MI_COEFFICIENT,
)
for name, mutation, doc in (
    ("fifth_pioneer_at_rank_5", graded(91.0, "PIONEER"), "91 at rank 5 graded PIONEER (a 5th PIONEER)"),
    ("pioneer_at_rank_6", graded(90.0, "PIONEER"), "90 at rank 6 (>= 90, not in the top ranks) PIONEER"),
    (
        "tie_at_pioneer_cutoff_graded_qualified",
        graded(92.0, "QUALIFIED"),
        "one of the two 92s tied at rank 3 (>= 90, within the limit) graded QUALIFIED",
    ),
    (
        "pioneer_below_90_at_rank_1",
        graded(89.99, "PIONEER", NEXT),
        "October's 89.99 at rank 1 (within the limit, below 90) graded PIONEER",
    ),
    ("index_69_99_qualified", graded(69.99, "QUALIFIED"), "69.99 graded QUALIFIED"),
    ("index_70_warning", graded(70.0, "WARNING"), "70 graded WARNING"),
    ("index_60_lagging", graded(60.0, "LAGGING"), "60 graded LAGGING"),
    ("index_59_99_warning", graded(59.99, "WARNING"), "59.99 graded WARNING"),
    ("vetoed_warning", graded(0.0, "WARNING"), "the vetoed member graded WARNING"),
):
    case(MI, name, mart(mutation), doc, GRADE_RULE)
case(
    MI,
    "tie_ranked_row_number",
    mart(reranked("first")),
    "the tie at 92 ranked 3 and 4 (ROW_NUMBER, not RANK)",
    RANK_RULE,
)
case(
    MI,
    "rank_after_tie_dense",
    mart(reranked("dense")),
    "91 ranked 4 after the tie at 3 (DENSE_RANK, not RANK)",
    RANK_RULE,
)
case(
    MI,
    "vetoed_index_not_0",
    mart(member(0.0, index_score=0.5)),
    "the vetoed member with index 0.5",
    "column_values_to_be_in_set(index_score)",
)
case(
    MI,
    "qualified_with_pioneer_coefficient",
    mart(member(75.5, performance_coefficient=1.05)),
    "QUALIFIED with coefficient 1.05",
    MI_COEFFICIENT,
)
case(
    MI,
    "pioneer_with_qualified_coefficient",
    mart(member(95.0, performance_coefficient=1.00)),
    "PIONEER with coefficient 1.00",
    MI_COEFFICIENT,
)


def summary(mutation: Mutation = same) -> Build:
    """``validate_marts``' monthly summary; ``complete_month`` derived from the clock as it does."""

    def build(tmp: Path) -> tuple[Frame, dict]:
        frame = mutation(
            pd.DataFrame(
                {
                    "month": [PERIOD, NEXT],
                    "scored_members": [35, 12],
                    "branches_without_index": [0, 0],
                    "indexes_without_branch": [0, 0],
                }
            )
        )
        frame["complete_month"] = frame["month"] < CLOCK.strftime("%Y-%m")
        return frame, {}

    return build


def with_month(month: str) -> Mutation:
    def mutate(frame: Frame) -> Frame:
        row = {"month": month, "scored_members": 12, "branches_without_index": 0, "indexes_without_branch": 0}
        return pd.concat([frame, pd.DataFrame([row])], ignore_index=True)

    return mutate


MS = "marts_monthly_summary"
case(MS, "clean", summary(), "two complete months, a branch index for each branch of record")
case(
    MS,
    "branch_of_record_without_index",
    summary(edit({"month": PERIOD}, branches_without_index=1)),
    "a branch of record without a branch index",
    "column_values_to_be_in_set(branches_without_index)",
)
case(
    MS,
    "branch_index_without_scored_member",
    summary(edit({"month": PERIOD}, indexes_without_branch=1)),
    "a branch index for a branch that is no scored member's branch of record",
    "column_values_to_be_in_set(indexes_without_branch)",
)
case(
    MS,
    "clock_month_in_marts",
    summary(with_month("2026-11")),
    "the clock's month (not complete) in the marts",
    "column_values_to_be_in_set(complete_month)",
)


# ----------------------------------------------------------------------------------------------
# HR export: September as the export writes it, read back from disk


def settings(tmp: Path) -> Settings:
    return Settings(home=tmp / "home", sources=tmp / "landing", now=CLOCK, min_kpi_coverage=None)


def hr(rows: Mutation = same, staged: Mutation = same, version: int = 1, marts: bool = False) -> Build:
    """The staged CSV of September v``version`` (``month_rows`` mutated, rendered, read back,
    mutated) and ``gate_parameters`` for it, against the unmutated marts; with ``marts`` the
    frame of ``hr_export_marts`` made of it (``against_marts``)."""

    def build(tmp: Path) -> tuple[Frame, dict]:
        with warehouse() as con:
            rules = rules_in_force(con, PERIOD)
            path = tmp / "staged.csv"
            path.write_bytes(render_csv(rows(month_rows(con, PERIOD)), version))
            frame = staged(read_export(path))
            scored = scored_members(con, PERIOD)
            parameters = gate_parameters(settings(tmp), rules, PERIOD, version, scored)
            return (against_marts(scored, frame, rules) if marts else frame), parameters

    return build


def hm(rows: Mutation = same) -> Build:
    return hr(rows=rows, marts=True)


def row(index: float, **values) -> Mutation:
    return edit({"pioneer_index": index}, **values)


def hr_graded(index: float, grade: str) -> Mutation:
    return row(index, grade=grade, performance_coefficient=COEF[grade])


def with_column(name: str, value) -> Mutation:
    def mutate(frame: Frame) -> Frame:
        return frame.assign(**{name: value})

    return mutate


def swapped_columns(frame: Frame) -> Frame:
    columns = list(frame.columns)
    columns[2], columns[3] = columns[3], columns[2]
    return frame[columns]


def without_row(frame: Frame) -> Frame:
    return frame[~np.isclose(frame["pioneer_index"], 75.5)].reset_index(drop=True)


def with_stranger(frame: Frame) -> Frame:
    stranger = frame.iloc[[0]].assign(employee_no="SG3799999", pioneer_index=75.0, grade="QUALIFIED")
    return pd.concat([frame, stranger.assign(performance_coefficient=1.0)], ignore_index=True)


def tied_pair_one_number(frame: Frame) -> Frame:
    frame = frame.copy()
    tied = frame.index[np.isclose(frame["pioneer_index"], 92.0)]
    frame.loc[tied[1], "employee_no"] = frame.loc[tied[0], "employee_no"]
    return frame


HX, HM = "hr_export", "hr_export_marts"
SCORED_SET = "column_values_to_be_in_set(scored_in_pay_scope)"
MART_INDEX = "column_pair_values_to_be_equal(pioneer_index,mart_index)"
HR_GRADE_RULE = "column_pair_values_to_be_equal(grade,spec_grade)"
HR_COEFFICIENT = "column_pair_values_to_be_in_set(grade,performance_coefficient)"
case(
    HX,
    "clean",
    hr(),
    "September v1 as written and read back: 35 rows, 4 PIONEERs with the tie at rank 3, 91 and 90 "
    "QUALIFIED, 70 QUALIFIED, 69.99 and 60 WARNING, 59.99 LAGGING, the vetoed member 0 LAGGING",
)
case(HM, "clean", hm(), "September v1 as written and read back, each row beside the marts")
case(
    HX,
    "extra_name_column",
    hr(staged=with_column("name", "张伟")),
    "a name column besides the contract's",
    "table_columns_to_match_ordered_list",
)
case(
    HX,
    "columns_out_of_order",
    hr(staged=swapped_columns),
    "grade before pioneer_index",
    "table_columns_to_match_ordered_list",
)
case(
    HX,
    "scored_member_missing",
    hr(rows=without_row),
    "34 rows for 35 scored members",
    "table_row_count_to_equal",
)
case(
    HX,
    "not_a_scored_member_added",
    hr(rows=with_stranger),
    "a 36th row for an employee who is no scored member",
    "table_row_count_to_equal",
)
case(
    HM,
    "not_a_scored_member_added",
    hm(rows=with_stranger),
    "a 36th row for an employee who is no scored member (then no mart index of it either)",
    SCORED_SET,
    MART_INDEX,
)
case(
    HM,
    "not_a_scored_member_instead",
    hm(rows=row(75.5, employee_no="SG3799999")),
    "a scored member's row under an unknown employee number (no mart index of it either)",
    SCORED_SET,
    MART_INDEX,
)
case(
    HX,
    "employee_no_missing",
    hr(rows=row(75.5, employee_no=None)),
    "a row without employee_no",
    "column_values_to_not_be_null(employee_no)",
)
case(
    HM,
    "employee_no_missing",
    hm(rows=row(75.5, employee_no=None)),
    "a row without employee_no (so no scored member, and no mart index of it)",
    SCORED_SET,
    MART_INDEX,
)
case(
    HX,
    "employee_no_twice",
    hr(rows=tied_pair_one_number),
    "the two tied members under one employee number (35 rows)",
    "column_values_to_be_unique(employee_no)",
)
case(
    HX,
    "other_period",
    hr(rows=row(75.5, period=NEXT)),
    "a row of period 2026-10 in the 2026-09 file",
    "column_values_to_be_in_set(period)",
)
case(
    HX,
    "index_100_01",
    hr(rows=row(100.0, pioneer_index=100.01)),
    "index 100.01 (> index_max)",
    "column_values_to_be_between(pioneer_index)",
)
case(
    HM,
    "index_100_01",
    hm(rows=row(100.0, pioneer_index=100.01)),
    "index 100.01 where the marts have 100.00",
    MART_INDEX,
)
case(
    HM,
    "index_not_the_marts",
    hm(rows=row(75.5, pioneer_index=75.0)),
    "a row's index 75.00 where the marts have 75.50",
    MART_INDEX,
)
case(
    HX,
    "grade_not_a_grade",
    hr(rows=row(75.5, grade="GOOD")),
    "grade GOOD (and no coefficient of it)",
    "column_values_to_be_in_set(grade)",
    HR_COEFFICIENT,
)
case(
    HM,
    "grade_not_a_grade",
    hm(rows=row(75.5, grade="GOOD")),
    "grade GOOD: not the spec's grade",
    HR_GRADE_RULE,
)
for name, mutation, doc in (
    ("fifth_pioneer_at_rank_5", hr_graded(91.0, "PIONEER"), "91 at rank 5 graded PIONEER (a 5th PIONEER)"),
    ("pioneer_at_rank_6", hr_graded(90.0, "PIONEER"), "90 at rank 6 (>= 90, not in the top ranks) PIONEER"),
    (
        "tie_at_pioneer_cutoff_graded_qualified",
        hr_graded(92.0, "QUALIFIED"),
        "one of the two 92s tied at rank 3 (>= 90, within the limit) graded QUALIFIED",
    ),
    ("index_69_99_qualified", hr_graded(69.99, "QUALIFIED"), "69.99 graded QUALIFIED"),
    ("index_70_warning", hr_graded(70.0, "WARNING"), "70 graded WARNING"),
    ("index_60_lagging", hr_graded(60.0, "LAGGING"), "60 graded LAGGING"),
    ("index_59_99_warning", hr_graded(59.99, "WARNING"), "59.99 graded WARNING"),
    ("vetoed_warning", hr_graded(0.0, "WARNING"), "the vetoed member graded WARNING"),
):
    case(HM, name, hm(rows=mutation), doc, HR_GRADE_RULE)
case(
    HX,
    "qualified_with_pioneer_coefficient",
    hr(rows=row(75.5, performance_coefficient=1.05)),
    "QUALIFIED with coefficient 1.05",
    HR_COEFFICIENT,
)
case(
    HX,
    "other_rule_version",
    hr(rows=row(75.5, rule_version="v2")),
    "a row of rule version v2 in a v1 month",
    "column_values_to_be_in_set(rule_version)",
)
case(
    HX,
    "other_export_version",
    hr(staged=with_column("export_version", 2)),
    "export_version 2 in the file of v1",
    "column_values_to_be_in_set(export_version)",
)


def coverage(missing: int | None = None, of: int = 100, unknown: int = 0) -> Build:
    """The coverage frame (``employee_no, kpi_missing``) with the export's parameters: September's
    as ``month_rows`` gives it (33 of 35 with a KPI), or ``of`` members of whom ``missing`` lack a
    KPI and the next ``unknown`` have ``kpi_missing`` null."""

    def build(tmp: Path) -> tuple[Frame, dict]:
        _, parameters = hr()(tmp)
        if missing is None:
            with warehouse() as con:
                frame = month_rows(con, PERIOD)[["employee_no", "kpi_missing"]].reset_index(drop=True)
        else:
            numbers = [f"SG37{i:05d}" for i in range(1, of + 1)]
            flags = [True if i < missing else None if i < missing + unknown else False for i in range(of)]
            frame = pd.DataFrame({"employee_no": numbers, "kpi_missing": flags})
        return frame, parameters

    return build


KC = "hr_export_kpi_coverage"
KPI_RULE = "column_values_to_be_in_set(kpi_missing)"
case(KC, "clean", coverage(), "September: 33 of 35 scored members with a KPI (94 %)")
case(KC, "exactly_90_percent", coverage(10, 100), "90 of 100 with a KPI: exactly min_kpi_coverage 0.90")
case(KC, "89_percent", coverage(11, 100), "89 of 100 with a KPI", KPI_RULE)
case(KC, "31_of_35", coverage(4, 35), "31 of 35 with a KPI (88.6 %)", KPI_RULE)
case(
    KC,
    "kpi_missing_unknown",
    coverage(0, 100, unknown=11),
    "89 of 100 with a KPI, 11 with kpi_missing null (coverage of the 89 known would read 100 %)",
    "column_values_to_not_be_null(kpi_missing)",
)


# ----------------------------------------------------------------------------------------------
# Source gates: what one run added, as the gates read it


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def events(source: str, entity: str, records: list[dict], mutation: Mutation = same) -> Build:
    """The run's new events of one entity as ``_validate_events`` gets them (typed columns, no raw,
    through DuckDB from Arrow), with ``_parameters``. The first record's time is the clock plus
    23 hours (a source clock a little ahead), the second's exactly ``TIME_MIN``."""

    def build(tmp: Path) -> tuple[Frame, dict]:
        schema = pa.schema([f for f in entity_schema(source, entity) if f.name != "raw"])
        rows = []
        for position, record in enumerate(records, start=2):
            record_time = (
                CLOCK + dt.timedelta(hours=23)
                if position == 2
                else TIME_MIN
                if position == 3
                else CLOCK - dt.timedelta(hours=2)
            )
            rows.append(
                dict.fromkeys(schema.names)
                | {
                    "event_id": sha(f"{source}|{entity}|{record['natural_key']}|{position}"),
                    "source": source,
                    "entity": entity,
                    "record_time": record_time,
                    "recorded_at": CLOCK,
                    "batch_id": f"{CLOCK:%Y%m%dT%H%M%S}-{source}-001",
                    "source_file": f"{entity}_2026-11-04",
                    "source_position": position,
                    "deleted": False,
                }
                | record
            )
        with duckdb.connect() as con:
            frame = con.from_arrow(pa.Table.from_pylist(rows, schema=schema)).df()
        return mutation(frame), _parameters(source, entity, CLOCK)

    return build


def at(position: int, **values) -> Mutation:
    """Set ``values`` on the event at ``position`` (0-based)."""

    def mutate(frame: Frame) -> Frame:
        frame = frame.copy()
        for column, value in values.items():
            frame.loc[position, column] = value
        return frame

    return mutate


def second_takes_first_id(frame: Frame) -> Frame:
    return at(1, event_id=frame.loc[0, "event_id"])(frame)


D = dt.date
T = dt.datetime
KEY = sha("13800001234")  # a person_key: the keyed hash, 64 hex
LATE = CLOCK + dt.timedelta(days=1, hours=1)  # past time_max (the clock plus a day)
EARLY = TIME_MIN - dt.timedelta(minutes=1)  # before time_min

SOURCE_RECORDS: dict[tuple[str, str], list[dict]] = {
    ("roster", "snapshot"): [
        {"natural_key": "2026-11-04", "snapshot_date": D(2026, 11, 4), "persons": 40},
        {"natural_key": "2026-11-03", "snapshot_date": D(2026, 11, 3), "persons": 0},
    ],
    ("roster", "member"): [
        {
            "natural_key": "M000001",
            "member_id": "M000001",
            "effective_date": D(2026, 11, 4),
            "change_kind": "joined",
            "present": True,
            "employee_no": "SG3700001",
            "name": "张伟",
            "gender": "M",
            "person_key": KEY,
            "branch_id": "B01",
            "party_group": "B01-G1",
            "status": "full",
            "status_since": D(2020, 7, 1),
        },
        {
            "natural_key": "M000002",
            "member_id": "M000002",
            "effective_date": D(2026, 11, 4),
            "change_kind": "status_changed",
            "present": True,
            "employee_no": "SG3700002",
            "name": "李娜",
            "gender": "F",
            "person_key": sha("13800002345"),
            "branch_id": "B01",
            "party_group": None,
            "status": "probationary",
            "status_since": D(2026, 11, 1),
        },
        {
            "natural_key": "M000003",
            "member_id": "M000003",
            "effective_date": D(2026, 11, 4),
            "change_kind": "left",
            "present": False,
            "employee_no": "SG3700003",
            "person_key": sha("13800003456"),
            "branch_id": "B02",
            "status": "inactive",
        },
    ],
    ("roster", "branch"): [
        {
            "natural_key": "B01",
            "branch_id": "B01",
            "effective_date": D(2026, 11, 4),
            "present": True,
            "branch_name": "第一党支部",
            "department_id": "D01",
            "department_name": "营销部",
        },
        {"natural_key": "B09", "branch_id": "B09", "effective_date": D(2026, 11, 4), "present": False},
    ],
    ("meeting", "meeting"): [
        {
            "natural_key": "MT1",
            "meeting_id": "MT1",
            "branch_id": "B01",
            "type": "committee",
            "title": "支委会",
            "start_time": T(2026, 10, 10, 9),
            "end_time": T(2026, 10, 10, 11),
            "status": "held",
            "due_user_ids": ["SG3700001", "SG3700002"],
            "updated_at": T(2026, 10, 10, 12),
        },
        {  # scheduled two weeks ahead of the clock: a meeting system lists what is planned
            "natural_key": "MT2",
            "meeting_id": "MT2",
            "branch_id": "B01",
            "type": "theme_day",
            "title": "主题党日",
            "start_time": CLOCK + dt.timedelta(days=14),
            "end_time": CLOCK + dt.timedelta(days=14, hours=2),
            "status": "scheduled",
            "due_user_ids": ["SG3700001"],
            "updated_at": CLOCK - dt.timedelta(hours=3),
        },
        {
            "natural_key": "MT3",
            "meeting_id": "MT3",
            "branch_id": "B01",
            "party_group": "B01-G1",
            "type": "group",
            "start_time": T(2026, 10, 20, 15),
            "end_time": T(2026, 10, 20, 15),  # end == start: not before it
            "status": "cancelled",
            "due_user_ids": [],
            "updated_at": T(2026, 10, 19, 9),
        },
        {"natural_key": "MT4", "meeting_id": "MT4", "deleted": True, "updated_at": T(2026, 11, 4, 9)},
    ],
    ("meeting", "attendance"): [
        {
            "natural_key": "A1",
            "record_id": "A1",
            "meeting_id": "MT1",
            "user_id": "SG3700001",
            "mode": "onsite",
            "join_time": T(2026, 10, 10, 9, 2),
            "updated_at": T(2026, 10, 10, 9, 2),
        },
        {
            "natural_key": "A2",
            "record_id": "A2",
            "meeting_id": "MT1",
            "user_id": "SG3700002",
            "mode": "online",
            "join_time": T(2026, 10, 10, 9),
            "leave_time": T(2026, 10, 10, 10, 30),
            "updated_at": T(2026, 10, 10, 10, 30),
        },
        {
            "natural_key": "A3",
            "record_id": "A3",
            "meeting_id": "MT1",
            "user_id": "SG3700002",
            "mode": "online",
            "join_time": T(2026, 10, 10, 10, 40),
            "leave_time": T(2026, 10, 10, 10, 40),  # leave == join: not before it
            "updated_at": T(2026, 10, 10, 10, 40),
        },
        {"natural_key": "A4", "record_id": "A4", "deleted": True, "updated_at": T(2026, 11, 4, 9)},
    ],
    ("meeting", "leave"): [
        {
            "natural_key": "L1",
            "leave_id": "L1",
            "meeting_id": "MT1",
            "user_id": "SG3700003",
            "reason": "出差",
            "approved": True,
            "updated_at": T(2026, 10, 9, 18),
        },
        {
            "natural_key": "L2",
            "leave_id": "L2",
            "meeting_id": "MT1",
            "user_id": "SG3700004",
            "approved": False,
            "updated_at": T(2026, 10, 9, 19),
        },
        {"natural_key": "L3", "leave_id": "L3", "deleted": True, "updated_at": T(2026, 11, 4, 9)},
    ],
    ("meeting", "service_record"): [
        {
            "natural_key": "S1",
            "record_id": "S1",
            "user_id": "SG3700001",
            "kind": "service_team",
            "start_time": T(2026, 10, 12, 8),
            "end_time": T(2026, 10, 12, 12),
            "verified": True,
            "updated_at": T(2026, 10, 13, 9),
        },
        {
            "natural_key": "S2",
            "record_id": "S2",
            "user_id": "SG3700002",
            "kind": "red_grid",
            "grid_id": "H01",
            "start_time": T(2026, 10, 14, 8),
            "end_time": T(2026, 10, 14, 8),
            "verified": False,
            "updated_at": T(2026, 10, 14, 9),
        },
        {"natural_key": "S3", "record_id": "S3", "deleted": True, "updated_at": T(2026, 11, 4, 9)},
    ],
    ("learning", "points"): [
        {
            "natural_key": f"{KEY}|2026-11-03",
            "person_key": KEY,
            "points_date": D(2026, 11, 3),
            "points": Decimal("12.50"),
            "cumulative_points": Decimal("812.50"),
            "export_date": D(2026, 11, 4),
        },
        {
            "natural_key": f"{KEY}|2026-11-04",
            "person_key": KEY,
            "points_date": D(2026, 11, 4),
            "points": Decimal("0.00"),
            "cumulative_points": Decimal("812.50"),
            "export_date": D(2026, 11, 4),
        },
    ],
    ("learning", "course"): [
        {
            "natural_key": f"{KEY}|C01|completed|2026-11-03",
            "person_key": KEY,
            "course_id": "C01",
            "course_name": "党章学习",
            "course_kind": "completed",
            "course_date": D(2026, 11, 3),
            "export_date": D(2026, 11, 4),
        },
        {
            "natural_key": f"{KEY}|C02|lectured|2026-11-03",
            "person_key": KEY,
            "course_id": "C02",
            "course_name": "云讲座",
            "course_kind": "lectured",
            "course_date": D(2026, 11, 3),
            "export_date": D(2026, 11, 4),
        },
    ],
    ("performance", "kpi"): [
        {
            "natural_key": "SG3700001|2026-10",
            "employee_no": "SG3700001",
            "period": "2026-10",
            "kpi_score": Decimal("95.50"),
            "rating": "A",
            "updated_at": T(2026, 11, 2, 10),
        },
        {
            "natural_key": "SG3700002|2026-10",
            "employee_no": "SG3700002",
            "period": "2026-10",
            "kpi_score": Decimal("120.00"),
            "rating": None,  # rating is nullable
            "updated_at": T(2026, 11, 2, 10),
        },
        {
            "natural_key": "SG3700003|2026-10",
            "employee_no": "SG3700003",
            "period": "2026-10",
            "kpi_score": Decimal("0.00"),
            "rating": "D",
            "updated_at": T(2026, 11, 2, 10),
        },
    ],
    ("admin", "item"): [
        {
            "natural_key": "I1",
            "item_id": "I1",
            "employee_no": "SG3700001",
            "month": "2026-10",
            "kind": "bonus",
            "points": Decimal("2.00"),
            "approved_at": T(2026, 11, 1, 9),
            "status": "approved",
        },
        {
            "natural_key": "I2",
            "item_id": "I2",
            "employee_no": "SG3700002",
            "month": "2026-10",
            "kind": "deduction",
            "points": Decimal("3.00"),
            "approved_at": T(2026, 11, 1, 9),
            "status": "approved",
        },
        {
            "natural_key": "I3",
            "item_id": "I3",
            "employee_no": "SG3700003",
            "month": "2026-12",
            "kind": "veto",
            "points": Decimal("0.00"),
            "approved_at": T(2026, 11, 1, 9),
            "status": "revoked",
        },
    ],
    ("appeals", "appeal"): [
        {
            "natural_key": "AP1",
            "appeal_id": "AP1",
            "employee_no": "SG3700001",
            "month": "2026-10",
            "component": "performance",
            "points": Decimal("100.00"),
            "status": "accepted",
            "decided_by": "office",
            "decided_at": T(2026, 11, 3, 9),
            "updated_at": T(2026, 11, 3, 9),
        },
        {
            "natural_key": "AP2",
            "appeal_id": "AP2",
            "employee_no": "SG3700002",
            "month": "2026-10",
            "component": "other",
            "points": Decimal("-100.00"),
            "status": "accepted",
            "decided_by": "office",
            "decided_at": T(2026, 11, 3, 9),
            "updated_at": T(2026, 11, 3, 9),
        },
        {
            "natural_key": "AP3",
            "appeal_id": "AP3",
            "employee_no": "SG3700003",
            "month": "2026-10",
            "component": "org_life",
            "points": None,
            "status": "submitted",
            "updated_at": T(2026, 11, 2, 9),
        },
    ],
}

# (mutation name, mutation, doc, expectation key) per entity, besides the envelope's
SOURCE_MUTATIONS: dict[tuple[str, str], list[tuple[str, Mutation, str, str]]] = {
    ("roster", "snapshot"): [
        (
            "persons_negative",
            at(0, persons=-1),
            "a snapshot of -1 persons",
            "column_values_to_be_between(persons)",
        )
    ],
    ("roster", "member"): [
        (
            "member_id_missing",
            at(0, member_id=None),
            "no member_id",
            "column_values_to_not_be_null(member_id)",
        ),
        ("status_not_in_enum", at(0, status="member"), "status member", "column_values_to_be_in_set(status)"),
        ("gender_not_in_enum", at(0, gender="男"), "gender 男", "column_values_to_be_in_set(gender)"),
        (
            "change_kind_not_in_enum",
            at(0, change_kind="moved"),
            "change_kind moved",
            "column_values_to_be_in_set(change_kind)",
        ),
        (
            "phone_in_clear",
            at(0, person_key="13800001234"),
            "a phone instead of its keyed hash",
            "column_value_lengths_to_equal(person_key)",
        ),
    ],
    ("roster", "branch"): [
        (
            "branch_id_missing",
            at(0, branch_id=None),
            "no branch_id",
            "column_values_to_not_be_null(branch_id)",
        )
    ],
    ("meeting", "meeting"): [
        (
            "meeting_id_missing",
            at(0, meeting_id=None),
            "no meeting_id",
            "column_values_to_not_be_null(meeting_id)",
        ),
        ("type_not_in_enum", at(0, type="party_day"), "type party_day", "column_values_to_be_in_set(type)"),
        ("status_not_in_enum", at(0, status="done"), "status done", "column_values_to_be_in_set(status)"),
        (
            "start_time_before_2000",
            at(0, start_time=EARLY),
            "start_time before time_min",
            "column_values_to_be_between(start_time)",
        ),
        (
            "end_before_start",
            at(0, end_time=T(2026, 10, 10, 8)),
            "end_time before start_time",
            "column_pair_values_a_to_be_greater_than_b(end_time,start_time)",
        ),
    ],
    ("meeting", "attendance"): [
        (
            "record_id_missing",
            at(0, record_id=None),
            "no record_id",
            "column_values_to_not_be_null(record_id)",
        ),
        (
            "meeting_id_missing",
            at(0, meeting_id=None),
            "no meeting_id (not a tombstone)",
            "column_values_to_not_be_null(meeting_id)",
        ),
        (
            "user_id_missing",
            at(0, user_id=None),
            "no user_id (not a tombstone)",
            "column_values_to_not_be_null(user_id)",
        ),
        ("mode_not_in_enum", at(0, mode="video"), "mode video", "column_values_to_be_in_set(mode)"),
        (
            "join_time_after_clock",
            at(0, join_time=LATE),
            "join_time past the clock plus a day",
            "column_values_to_be_between(join_time)",
        ),
        (
            "join_time_before_2000",
            at(0, join_time=EARLY),
            "join_time before time_min",
            "column_values_to_be_between(join_time)",
        ),
        (
            "leave_before_join",
            at(1, leave_time=T(2026, 10, 10, 8, 59)),
            "leave_time before join_time",
            "column_pair_values_a_to_be_greater_than_b(leave_time,join_time)",
        ),
    ],
    ("meeting", "leave"): [
        ("leave_id_missing", at(0, leave_id=None), "no leave_id", "column_values_to_not_be_null(leave_id)"),
        (
            "meeting_id_missing",
            at(0, meeting_id=None),
            "no meeting_id (not a tombstone)",
            "column_values_to_not_be_null(meeting_id)",
        ),
        (
            "user_id_missing",
            at(0, user_id=None),
            "no user_id (not a tombstone)",
            "column_values_to_not_be_null(user_id)",
        ),
        (
            "approved_missing",
            at(0, approved=None),
            "no approved (not a tombstone)",
            "column_values_to_not_be_null(approved)",
        ),
    ],
    ("meeting", "service_record"): [
        (
            "record_id_missing",
            at(0, record_id=None),
            "no record_id",
            "column_values_to_not_be_null(record_id)",
        ),
        (
            "user_id_missing",
            at(0, user_id=None),
            "no user_id (not a tombstone)",
            "column_values_to_not_be_null(user_id)",
        ),
        ("kind_not_in_enum", at(0, kind="patrol"), "kind patrol", "column_values_to_be_in_set(kind)"),
        (
            "start_time_after_clock",
            at(0, start_time=LATE, end_time=LATE + dt.timedelta(hours=2)),
            "start_time past the clock plus a day",
            "column_values_to_be_between(start_time)",
        ),
        (
            "start_time_before_2000",
            at(0, start_time=EARLY),
            "start_time before time_min",
            "column_values_to_be_between(start_time)",
        ),
        (
            "end_before_start",
            at(0, end_time=T(2026, 10, 12, 7)),
            "end_time before start_time",
            "column_pair_values_a_to_be_greater_than_b(end_time,start_time)",
        ),
    ],
    ("learning", "points"): [
        (
            "phone_in_clear",
            at(0, person_key="13800001234"),
            "a phone instead of its keyed hash",
            "column_value_lengths_to_equal(person_key)",
        ),
        ("points_negative", at(0, points=-1.0), "-1 points a day", "column_values_to_be_between(points)"),
    ],
    ("learning", "course"): [
        (
            "phone_in_clear",
            at(0, person_key="13800001234"),
            "a phone instead of its keyed hash",
            "column_value_lengths_to_equal(person_key)",
        ),
        (
            "course_id_missing",
            at(0, course_id=None),
            "no course_id",
            "column_values_to_not_be_null(course_id)",
        ),
        (
            "course_kind_untranslated",
            at(0, course_kind="完成"),
            "course_kind 完成 (the source's word, not the enumeration's)",
            "column_values_to_be_in_set(course_kind)",
        ),
    ],
    ("performance", "kpi"): [
        (
            "employee_no_missing",
            at(0, employee_no=None),
            "no employee_no",
            "column_values_to_not_be_null(employee_no)",
        ),
        (
            "period_as_the_source_writes_it",
            at(0, period="202610"),
            "period 202610 (not YYYY-MM)",
            "column_values_to_match_regex(period)",
        ),
        ("kpi_above_120", at(0, kpi_score=120.01), "KPI 120.01", "column_values_to_be_between(kpi_score)"),
        ("kpi_negative", at(0, kpi_score=-0.01), "KPI -0.01", "column_values_to_be_between(kpi_score)"),
        ("rating_not_in_enum", at(0, rating="E"), "rating E", "column_values_to_be_in_set(rating)"),
    ],
    ("admin", "item"): [
        ("item_id_missing", at(0, item_id=None), "no item_id", "column_values_to_not_be_null(item_id)"),
        (
            "employee_no_missing",
            at(0, employee_no=None),
            "no employee_no",
            "column_values_to_not_be_null(employee_no)",
        ),
        ("month_13", at(0, month="2026-13"), "month 2026-13", "column_values_to_match_regex(month)"),
        ("month_without_dash", at(0, month="202610"), "month 202610", "column_values_to_match_regex(month)"),
        ("kind_not_in_enum", at(0, kind="penalty"), "kind penalty", "column_values_to_be_in_set(kind)"),
        (
            "status_not_in_enum",
            at(0, status="pending"),
            "status pending",
            "column_values_to_be_in_set(status)",
        ),
        ("points_negative", at(0, points=-1.0), "points -1", "column_values_to_be_between(points)"),
    ],
    ("appeals", "appeal"): [
        (
            "appeal_id_missing",
            at(0, appeal_id=None),
            "no appeal_id",
            "column_values_to_not_be_null(appeal_id)",
        ),
        (
            "employee_no_missing",
            at(0, employee_no=None),
            "no employee_no",
            "column_values_to_not_be_null(employee_no)",
        ),
        ("month_13", at(0, month="2026-13"), "month 2026-13", "column_values_to_match_regex(month)"),
        (
            "component_not_in_enum",
            at(0, component="salary"),
            "component salary",
            "column_values_to_be_in_set(component)",
        ),
        (
            "status_not_in_enum",
            at(0, status="pending"),
            "status pending",
            "column_values_to_be_in_set(status)",
        ),
        ("points_above_100", at(0, points=100.01), "points 100.01", "column_values_to_be_between(points)"),
        (
            "points_below_minus_100",
            at(1, points=-100.01),
            "points -100.01",
            "column_values_to_be_between(points)",
        ),
    ],
}

ENVELOPE_MUTATIONS: list[tuple[str, Mutation, str, str]] = [
    (
        "event_id_missing",
        at(0, event_id=None),
        "an event without event_id",
        "column_values_to_not_be_null(event_id)",
    ),
    (
        "event_id_twice",
        second_takes_first_id,
        "two events with one event_id",
        "column_values_to_be_unique(event_id)",
    ),
    (
        "natural_key_missing",
        at(0, natural_key=None),
        "an event without natural_key",
        "column_values_to_not_be_null(natural_key)",
    ),
    (
        "record_time_after_clock",
        at(0, record_time=LATE),
        "record_time past the clock plus a day",
        "column_values_to_be_between(record_time)",
    ),
    (
        "record_time_before_2000",
        at(0, record_time=EARLY),
        "record_time before time_min (2000-01-01)",
        "column_values_to_be_between(record_time)",
    ),
]

for (source, entity), records in SOURCE_RECORDS.items():
    suite = f"source_{source}_{entity}"
    case(
        suite,
        "clean",
        events(source, entity, records),
        "the run's events of the entity, every enumeration value used, tombstones with only their id, "
        "end == start, record times from time_min to the clock plus 23 h",
    )
    for name, mutation, doc, key in ENVELOPE_MUTATIONS + SOURCE_MUTATIONS[(source, entity)]:
        case(suite, name, events(source, entity, records, mutation), doc, key)


def delivery(*extra: dict) -> Build:
    """``delivery_frame``'s rows (one per feed of the run) with the default ``min_volume_ratio``."""

    def build(tmp: Path) -> tuple[Frame, dict]:
        feeds = [
            {"feed": "points_#-#-#.csv", "files": 1, "rows": 400, "recent_rows_per_file": 400.0},
            {"feed": "courses_#-#-#.csv", "files": 1, "rows": 25, "recent_rows_per_file": 100.0},
            {"feed": "items_#.csv", "files": 1, "rows": 9, "recent_rows_per_file": None},  # its first file
            *extra,
        ]
        frame = pd.DataFrame(feeds)
        frame["rows_per_file"] = frame["rows"] / frame["files"]
        frame["volume_ratio"] = frame["rows_per_file"] / frame["recent_rows_per_file"]
        frame.loc[frame["feed"].str.match(r"(api|sql):"), "volume_ratio"] = None
        return frame, {
            "min_volume_ratio": settings(tmp).min_volume_ratio,
            "max_volume_ratio": settings(tmp).max_volume_ratio,
        }

    return build


SD = "source_delivery"
VOLUME = "column_values_to_be_between(volume_ratio)"
case(
    SD,
    "clean",
    delivery({"feed": "api:attendance", "files": 3, "rows": 2, "recent_rows_per_file": 500.0}),
    "volume ratios 1.0 and exactly min_volume_ratio 0.25; a first file and a live feed without a ratio",
)
case(
    SD,
    "a_tenth_of_the_usual_rows",
    delivery({"feed": "kpi_#.csv", "files": 1, "rows": 10, "recent_rows_per_file": 100.0}),
    "a feed delivering a tenth of its recent rows per file: a warning, the gate passes",
    VOLUME,
)
case(
    SD,
    "eleven_times_the_usual_rows",
    delivery({"feed": "kpi_#.csv", "files": 1, "rows": 1100, "recent_rows_per_file": 100.0}),
    "a feed delivering 11 times its recent rows per file (above max_volume_ratio 10): a warning, the gate passes",
    VOLUME,
)


def quarantine(rows: int | None = None, quarantined: int | None = None) -> Build:
    """``quarantine_frame``'s rows (one per delivery) with the default gate_min_rows and
    max_quarantine_rate; two clean deliveries and, when given, one of ``rows`` records read of
    which ``quarantined`` were quarantined."""

    def build(tmp: Path) -> tuple[Frame, dict]:
        deliveries = [("attendance", 1200, 0), ("meeting", 40, 0)]
        if rows is not None:
            deliveries.append(("leave", rows, quarantined))
        frame = pd.DataFrame(deliveries, columns=["entity", "rows", "quarantined"]).assign(source="meeting")
        frame["quarantine_rate"] = frame["quarantined"] / frame["rows"].clip(lower=1)
        policy = settings(tmp)
        return frame, {
            "gate_min_rows": policy.gate_min_rows,
            "max_quarantine_rate": policy.max_quarantine_rate,
        }

    return build


SQ = "source_quarantine"
BROKEN = "column_values_to_be_between(quarantine_rate)"
QUARANTINED = "column_values_to_be_in_set(quarantined)"
case(SQ, "clean", quarantine(), "deliveries with nothing quarantined")
for read, bad, doc, *expect in (
    (40, 3, "3 of 40 quarantined (7.5 %, fewer than gate_min_rows 20): a warning", QUARANTINED),
    (40, 25, "25 of 40 quarantined: broken", BROKEN, QUARANTINED),
    (1000, 30, "30 of 1000 quarantined (3 %): a warning", QUARANTINED),
    (19, 19, "19 of 19 quarantined (below gate_min_rows 20): a warning", QUARANTINED),
    (100, 20, "20 of 100 quarantined (20 %): broken", BROKEN, QUARANTINED),
    (400, 20, "20 of 400 quarantined (exactly max_quarantine_rate 5 %): a warning", QUARANTINED),
    (400, 21, "21 of 400 quarantined (5.25 %): broken", BROKEN, QUARANTINED),
):
    case(SQ, f"{bad}_of_{read}", quarantine(read, bad), doc, *expect)


# ----------------------------------------------------------------------------------------------
# The tests


@pytest.fixture(autouse=True)
def no_data_docs(monkeypatch):
    """Data Docs are the operator's view of a validation, not its verdict, and building them is half
    of a validation's time: these tests skip it (``validate_frame`` is otherwise as in production)."""
    from great_expectations.checkpoint.actions import DataDocsAction

    monkeypatch.setattr(DataDocsAction, "_build_data_docs", lambda self, *args, **kwargs: {})


def failure_keys(failures) -> set[str]:
    return {expectation_key(f.expectation, f.kwargs) for f in failures}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_both_directions(case: Case, tmp_path):
    frame, parameters = case.build(tmp_path)
    result = validate_frame(tmp_path / "home", case.suite, frame, parameters, "both")
    expectations = suite_expectations(case.suite)
    warning = {key for key, e in expectations.items() if is_warning(e.get("meta"))}
    detail = {
        "failures": [(f.rule or f.expectation, f.kwargs, f.offending_rows[:3]) for f in result.failures],
        "warnings": [(f.rule or f.expectation, f.unexpected_count) for f in result.warnings],
    }
    assert failure_keys(result.failures) == case.expect - warning, detail
    assert failure_keys(result.warnings) == case.expect & warning, detail
    assert result.passed == (not case.expect - warning), detail


def test_every_expectation_has_a_case():
    """Every expectation of every suite has a spec-correct frame that passes (its suite's clean
    case) and a mutation that fails it; no case names an expectation its suite lacks."""
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), "two cases share an id"
    covered = {(c.suite, key) for c in CASES for key in c.expect}
    clean = {c.suite for c in CASES if c.name == "clean" and not c.expect}
    suites = sorted(path.stem for path in SUITES_DIR.glob("*.json"))
    missing = []
    for suite in suites:
        spec = json.loads((SUITES_DIR / f"{suite}.json").read_text())
        keys = [expectation_key(e["type"], e["kwargs"]) for e in spec["expectations"]]
        assert len(keys) == len(set(keys)), f"{suite}: two expectations share a key, name them apart"
        if suite not in clean:
            missing.append(f"{suite}: no clean frame (a case named clean that must pass)")
        missing += [f"{suite}: {key} (no failing case)" for key in keys if (suite, key) not in covered]
    assert not missing, "expectations without a both-directions case:\n" + "\n".join(missing)
    stale = [(c.id, key) for c in CASES for key in c.expect if key not in suite_expectations(c.suite)]
    assert not stale, f"cases naming expectations their suite does not have: {stale}"
