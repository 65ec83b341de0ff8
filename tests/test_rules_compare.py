"""`pioneer rules compare` (issue 17): a candidate rules file scored in a scratch build and
compared with the published marts, checked against a direct computation. The candidate raises
grade_qualified_min from 70 to 80 and changes nothing else, so every index stays and each
candidate grade follows from the published index, rank and veto by docs/scoring.md's grade table."""

import csv
import math
import subprocess
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
from pioneer_cli import PIONEER, demo_data, run_night, write_rules


def cli(cwd, *args):
    return subprocess.run([*PIONEER, *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    demo_data(root / "landing", members=60, months=3, seed=5)
    run_night(root / "landing", root / "home", "2026-11-05T01:30:00+08:00")
    write_rules(root / "stricter.csv", {"grade_qualified_min": "80"})
    before = sorted((str(p), p.lstat().st_size, p.lstat().st_mtime_ns) for p in (root / "home").rglob("*"))
    done = cli(
        root,
        "rules",
        "compare",
        "--home",
        "home",
        "--rules",
        "stricter.csv",
        "--from",
        "2026-09",
        "--to",
        "2026-10",
    )
    after = sorted((str(p), p.lstat().st_size, p.lstat().st_mtime_ns) for p in (root / "home").rglob("*"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert before == after  # the home is only read
    return root, done


def expected(root) -> list[tuple]:
    """(month, employee_no, current grade, candidate grade, current coefficient, candidate coefficient)."""
    with duckdb.connect(str(root / "home" / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select month, employee_no, index_score, grade, performance_coefficient, vetoed"
            " from marts.fct_member_index_monthly where month between '2026-09' and '2026-10'"
        ).fetchall()
    coefficient = {"PIONEER": "1.05", "QUALIFIED": "1.00", "WARNING": "0.95", "LAGGING": "0.90"}
    out = []
    for month in sorted({r[0] for r in rows}):
        scores = [r for r in rows if r[0] == month]
        for _, employee_no, index, grade, coef, vetoed in scores:
            rank = 1 + sum(1 for other in scores if other[2] > index)
            if vetoed:
                candidate = "LAGGING"
            elif index >= 90 and rank <= math.floor(0.10 * len(scores)):
                candidate = "PIONEER"
            elif index >= 80:
                candidate = "QUALIFIED"
            elif index >= 60:
                candidate = "WARNING"
            else:
                candidate = "LAGGING"
            out.append((month, employee_no, grade, candidate, f"{coef:.2f}", coefficient[candidate]))
    return out


def read(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_migration_matrix_matches_a_direct_computation(compared):
    root, done = compared
    rows = expected(root)
    direct = Counter((current, candidate) for _, _, current, candidate, *_ in rows)
    assert direct[("QUALIFIED", "WARNING")] > 0  # the candidate moves someone
    out = root / "rules-compare-stricter"
    written = {
        (r["current_grade"], r["candidate_grade"]): int(r["members"])
        for r in read(out / "migration.csv")
        if r["month"] == "all"
    }
    assert written == dict(direct)
    for month in ("2026-09", "2026-10"):
        per_month = Counter((c, d) for m, _, c, d, *_ in rows if m == month)
        assert {
            (r["current_grade"], r["candidate_grade"]): int(r["members"])
            for r in read(out / "migration.csv")
            if r["month"] == month
        } == dict(per_month)
    matrix = done.stdout.splitlines()[1:]
    header = matrix[0].split()[3:]
    printed = {
        (line.split()[0], grade): int(n)
        for line in matrix[1 : 1 + len(header)]
        for grade, n in zip(header, line.split()[1:], strict=True)
    }
    assert {pair: n for pair, n in printed.items() if n} == dict(direct)


def test_coefficient_changes_departments_and_pioneers(compared):
    root, done = compared
    rows = expected(root)
    out = root / "rules-compare-stricter"
    changed = sorted((m, e) for m, e, _, _, now, cand in rows if now != cand)
    assert sorted((r["month"], r["employee_no"]) for r in read(out / "coefficients.csv")) == changed
    assert f"coefficient changes: {len(changed)} member months" in done.stdout
    pioneers = {
        r["month"]: (int(r["current_pioneers"]), int(r["candidate_pioneers"]))
        for r in read(out / "pioneers.csv")
    }
    for month, (now, candidate) in pioneers.items():
        assert now == candidate == sum(1 for m, _, c, *_ in rows if m == month and c == "PIONEER")
    departments = read(out / "departments.csv")
    assert departments and all(r["mean_index_delta"] == "0.00" for r in departments)
    with duckdb.connect(str(root / "home" / "warehouse.duckdb"), read_only=True) as con:
        scores = con.execute(
            "select month, department_id, index_score from marts.fct_member_index_monthly"
            " where month between '2026-09' and '2026-10'"
        ).fetchall()
    by_department = {}
    for month, department, index in scores:
        by_department.setdefault((month, department), []).append(index)
    assert {
        (r["month"], r["department_id"]): (int(r["current_members"]), r["current_mean_index"])
        for r in departments
    } == {
        key: (len(v), str((sum(v) / len(v)).quantize(Decimal("0.01"), ROUND_HALF_UP)))
        for key, v in by_department.items()
    }
    page = (out / "compare.html").read_text(encoding="utf-8")
    assert "等级迁移 Grade migration" in page and "vegaEmbed" in page and '"pioneers"' in page


def test_what_cannot_be_compared_is_exit_2(compared):
    root, _ = compared

    def compare(rules, first, last, *more):
        args = ["--home", "home", "--rules", rules, "--from", first, "--to", last, *more]
        return cli(root, "rules", "compare", *args)

    backwards = compare("stricter.csv", "2026-10", "2026-09")
    assert backwards.returncode == 2 and "is after --to" in backwards.stderr
    outside = compare("stricter.csv", "2020-01", "2020-02")
    assert outside.returncode == 2 and "no scored month in 2020-01 .. 2020-02" in outside.stderr
    (root / "broken.csv").write_text("rule_version,effective_from\nv1,2000-01-01\n", encoding="utf-8")
    broken = compare("broken.csv", "2026-09", "2026-10")
    assert broken.returncode == 2 and "broken.csv, version v1, column" in broken.stderr
    inside = compare("stricter.csv", "2026-09", "2026-10", "--out", "home/x")
    assert inside.returncode == 2 and not (root / "home" / "x").exists()
