"""``pioneer rules compare``: what a candidate rules file would do, before the office adopts it.

The home is only read. The candidate is scored by a scratch build (:func:`pioneer.replay.rebuild`,
the same full build the nightly job runs) over a read-only view of the home as its last
publishing run left it, with that run's clock and the candidate rules file. Its marts are then
compared with the published warehouse (the rules in force) for the months asked for:

- ``migration.csv``: the grade migration matrix, current grade × candidate grade, per month and
  over the whole range (``month = all``); a member month scored under only one of them is
  ``NOT_SCORED`` on the other side (a candidate may change ``min_active_days``);
- ``departments.csv``: per month and department, members and mean index now and under the candidate;
- ``coefficients.csv``: every member month whose performance coefficient would change;
- ``pioneers.csv``: the PIONEER count per month, now and under the candidate;
- ``compare.html``: one page with those tables and a chart of the PIONEER counts.

Everything is written to ``--out`` (a new or empty directory outside the home), which also keeps
the candidate's warehouse (``warehouse.duckdb``) for analysts' own questions.
"""

from __future__ import annotations

import csv
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.layout import Home
from core.vocabulary import load_vocabulary
from pioneer.analysts.report import EMBED, javascript_bundle

GRADES = load_vocabulary().grade_labels
GRADE_ORDER = [*GRADES, "NOT_SCORED"]

PAIRS_SQL = """
    select
        coalesce(cur.month, cand.month) as month,
        coalesce(cur.employee_no, cand.employee_no) as employee_no,
        coalesce(cur.department_id, cand.department_id) as department_id,
        coalesce(cur.grade, 'NOT_SCORED') as current_grade,
        coalesce(cand.grade, 'NOT_SCORED') as candidate_grade,
        cur.index_score as current_index,
        cand.index_score as candidate_index,
        cur.performance_coefficient as current_coefficient,
        cand.performance_coefficient as candidate_coefficient
    from (select * from cur.marts.fct_member_index_monthly where month between $first and $last) as cur
    full outer join (select * from cand.marts.fct_member_index_monthly where month between $first and $last) as cand
        on cand.employee_no = cur.employee_no and cand.month = cur.month
"""


@dataclass
class Comparison:
    out: Path
    months: list[str]
    matrix: dict[tuple[str, str], int]  # (current grade, candidate grade) → member months, whole range
    pioneers: list[tuple[str, int, int]]  # (month, now, candidate)
    departments: list[tuple] = field(default_factory=list)
    coefficients: list[tuple] = field(default_factory=list)

    def matrix_text(self) -> str:
        """The migration matrix as a text table: rows now, columns under the candidate."""
        grades = [g for g in GRADE_ORDER if any(g in pair for pair, n in self.matrix.items() if n)]
        width = max(len(g) for g in grades) + 2
        lines = ["now \\ candidate".ljust(width + 4) + "".join(g.rjust(width) for g in grades)]
        for current in grades:
            counts = "".join(str(self.matrix.get((current, c), 0)).rjust(width) for c in grades)
            lines.append(current.ljust(width + 4) + counts)
        return "\n".join(lines)


def compare(current: Path, candidate: Path, first: str, last: str, out: Path) -> Comparison:
    """Compare the marts of the ``current`` warehouse with the ``candidate``'s for months
    ``first`` .. ``last`` (``YYYY-MM``) and write the files of the module docstring to ``out``."""
    with duckdb.connect() as con:
        con.execute(f"attach '{current}' as cur (read_only)")
        con.execute(f"attach '{candidate}' as cand (read_only)")
        params = {"first": first, "last": last}
        con.execute(f"create temp table pairs as {PAIRS_SQL}", params)
        months = [r[0] for r in con.execute("select distinct month from pairs order by 1").fetchall()]
        migration = con.execute(
            """
            select month, current_grade, candidate_grade, count(*) from pairs group by all
            union all
            select 'all', current_grade, candidate_grade, count(*) from pairs group by all
            order by 1, 2, 3
            """
        ).fetchall()
        departments = con.execute(
            """
            select month, department_id,
                   count(current_index), cast(avg(current_index) as decimal(6,2)),
                   count(candidate_index), cast(avg(candidate_index) as decimal(6,2)),
                   cast(avg(candidate_index) - avg(current_index) as decimal(6,2))
            from pairs group by all order by 1, 2
            """
        ).fetchall()
        coefficients = con.execute(
            """
            select month, employee_no, department_id, current_grade, current_coefficient,
                   candidate_grade, candidate_coefficient, current_index, candidate_index
            from pairs where current_coefficient is distinct from candidate_coefficient
            order by 1, 2
            """
        ).fetchall()
        pioneers = con.execute(
            """
            select month, count(*) filter (where current_grade = 'PIONEER'),
                   count(*) filter (where candidate_grade = 'PIONEER')
            from pairs group by month order by month
            """
        ).fetchall()
    matrix = {(c, d): n for month, c, d, n in migration if month == "all"}
    result = Comparison(out, months, matrix, pioneers, departments, coefficients)
    _write_csv(out / "migration.csv", ["month", "current_grade", "candidate_grade", "members"], migration)
    _write_csv(
        out / "departments.csv",
        ["month", "department_id", "current_members", "current_mean_index", "candidate_members",
         "candidate_mean_index", "mean_index_delta"],
        departments,
    )  # fmt: skip
    _write_csv(
        out / "coefficients.csv",
        ["month", "employee_no", "department_id", "current_grade", "current_coefficient",
         "candidate_grade", "candidate_coefficient", "current_index", "candidate_index"],
        coefficients,
    )  # fmt: skip
    _write_csv(out / "pioneers.csv", ["month", "current_pioneers", "candidate_pioneers"], pioneers)
    (out / "compare.html").write_text(_page(result, first, last), encoding="utf-8")
    return result


def _write_csv(path: Path, header: list[str], rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _table(header: list[str], rows: list) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _page(result: Comparison, first: str, last: str) -> str:
    import altair as alt
    import pandas as pd

    counts = pd.DataFrame(
        [(m, "now 现行", now) for m, now, _ in result.pioneers]
        + [(m, "candidate 候选", cand) for m, _, cand in result.pioneers],
        columns=["month", "rules", "pioneers"],
    )
    chart = (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X("month:N", title="month"),
            xOffset="rules:N",
            y=alt.Y("pioneers:Q", title="PIONEER members"),
            color=alt.Color("rules:N", scale=alt.Scale(range=["#2e86c1", "#c0392b"])),
            tooltip=["month", "rules", "pioneers"],
        )
        .properties(width=600, height=260)
    )
    grades = [g for g in GRADE_ORDER if any(g in pair for pair, n in result.matrix.items() if n)]
    matrix = _table(
        ["now \\ candidate", *(GRADES.get(g, g) for g in grades)],
        [[GRADES.get(c, c), *(result.matrix.get((c, d), 0) for d in grades)] for c in grades],
    )
    sections = [
        ("等级迁移 Grade migration", "Member months of the range: grade under the rules in force (rows) "
         "and under the candidate (columns).", matrix),
        ("先锋人数 PIONEER count per month", "", '<div class="chart" id="pioneers"></div>'),
        ("部门指数变化 Index by department", "Mean index per month and department.",
         _table(["month", "department", "members now", "mean now", "members candidate", "mean candidate", "delta"],
                result.departments)),
        ("系数变化 Coefficient changes", f"{len(result.coefficients)} member months would change coefficient.",
         _table(["month", "employee_no", "department", "grade now", "coefficient now", "grade candidate",
                 "coefficient candidate", "index now", "index candidate"], result.coefficients)),
    ]  # fmt: skip
    body = "".join(
        f"<section><h2>{html.escape(title)}</h2><p class='note'>{html.escape(note)}</p>{content}</section>"
        for title, note, content in sections
    )
    spec = json.dumps({"pioneers": chart.to_dict()}, ensure_ascii=False).replace("</", "<\\/")
    return PAGE.format(
        first=first, last=last, body=body, embed=EMBED.format(specs=spec), bundle=javascript_bundle()
    )


PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>规则对比 Rules comparison {first} .. {last}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; }}
h1 {{ color: #c0392b; }} table {{ border-collapse: collapse; margin: 0.5em 0; }}
td, th {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }}
.note {{ color: #555; font-size: 0.9em; }}
</style>
<script>{bundle}</script>
</head>
<body>
<h1>规则对比 Rules comparison {first} .. {last}</h1>
<p class="note">The rules in force (published warehouse) against a candidate rules file (scratch build).</p>
{body}
{embed}
</body>
</html>
"""


def compare_rules(home: Path, rules: Path, first: str, last: str, out: Path) -> Comparison:
    """Score ``home``'s months ``first`` .. ``last`` under the candidate ``rules`` file in a
    scratch build under ``out`` and compare them with the published warehouse (module docstring).
    Raises :class:`pioneer.replay.ReplayRefused` (exit 2) for what cannot be compared and
    :class:`core.rules.RulesFileError` (exit 2) for a bad rules file."""
    from core.rules import load_rules
    from pioneer.replay import ReplayRefused, _check_out, rebuild, run_records

    load_rules(rules)
    home, out = Path(home).resolve(), Path(out).resolve()
    for label, month in (("--from", first), ("--to", last)):
        if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
            raise ReplayRefused(f"{label} must be YYYY-MM, got {month!r}")
    if first > last:
        raise ReplayRefused(f"--from {first} is after --to {last}")
    published = [r for r in run_records(home)] if (Home(home).runs).is_dir() else []
    published = [r for r in published if r.published]
    current = Home(home).warehouse
    if not published or not current.exists():
        raise ReplayRefused(f"no published warehouse on {home}: run the nightly job first")
    with duckdb.connect(str(current), read_only=True) as con:
        held = con.execute(
            "select min(month), max(month), count(*) filter (where month between ? and ?)"
            " from marts.fct_member_index_monthly",
            [first, last],
        ).fetchone()
    if not held[2]:
        raise ReplayRefused(
            f"no scored month in {first} .. {last}: the warehouse holds {held[0]} .. {held[1]}"
        )
    _check_out(home, out)
    warehouse, _ = rebuild(home, published[-1], Path(rules).resolve(), out)
    return compare(current, warehouse, first, last, out)
