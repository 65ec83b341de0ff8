"""`pioneer explain --diff` and `pioneer statement` (issue 15, items 3 and 4) over two nights of the CLI.

Night 1 ingests a demo organisation (40 members, 2 months) and publishes September and October
v1; night 2 brings a corrected copy of the October KPI file under a new name (the first member's
KPI changes) and two late admin items (a veto for one member, a 25-point honour for another, past
the bonus cap of 20), which restates October as v2 (the pattern of tests/test_replay.py).
"""

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from pioneer_cli import demo_data, pioneer, run_night

NIGHTS = ["2026-11-05T01:30:00+08:00", "2026-11-06T01:30:00+08:00"]
MONTH = "2026-10"
sys.path.insert(0, str(Path(__file__).parent / "analysts"))


@pytest.fixture(scope="module")
def restated(tmp_path_factory):
    root = tmp_path_factory.mktemp("diff")
    landing, home = root / "landing", root / "home"
    demo_data(landing, members=40, months=2, seed=11)
    run_night(landing, home, NIGHTS[0])
    with open(landing / "performance" / "kpi_202610.csv", newline="") as f:
        kpis = list(csv.DictReader(f))
    corrected = kpis[0]
    corrected["kpi_score"], corrected["updated_at"] = "55.00", "2026-11-05T15:00:00+08:00"
    with open(landing / "performance" / "kpi_202610_corrected.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(corrected))
        writer.writeheader()
        writer.writerow(corrected)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        vetoed, honoured = (
            r[0]
            for r in con.execute(
                "select employee_no from marts.fct_member_index_monthly where month = ? and not vetoed"
                " and employee_no <> ? order by employee_no limit 2",
                [MONTH, corrected["employee_no"]],
            ).fetchall()
        )
    (landing / "admin" / "items_2026-10_late.csv").write_text(
        "item_id,employee_no,month,kind,points,reason,approved_by,approved_at,status\n"
        f"AIV1,{vetoed},2026-10,veto,0,违反廉洁纪律受到处分,党建办张敏,2026-11-05T10:00:00+08:00,approved\n"
        f"AIB1,{honoured},2026-10,bonus,25,获评优秀共产党员,党建办刘洋,2026-11-05T11:00:00+08:00,approved\n",
        encoding="utf-8",
    )
    run_night(landing, home, NIGHTS[1])
    assert (home / "exports" / "hr" / MONTH / f"pioneer_index_{MONTH}_v2.csv").exists()
    return root, home, corrected["employee_no"], landing


def test_diff_names_the_corrected_kpi_and_when_it_was_recorded(restated):
    _, home, employee, _ = restated
    done = pioneer(
        "explain", "--home", str(home), "--employee-no", employee, "--month", MONTH, "--diff", "v1", "v2"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert re.search(r"changed performance [\d.]+ → 13\.75 \(kpi [\d.]+ → kpi 55\.00\)", out), out
    assert (
        f"performance record {employee}|{MONTH}, kpi_202610_corrected.csv:2, recorded 2026-11-06 01:30 (corrected)"
        in out
    )
    assert "org_life" not in out and "learning" not in out  # only the rows that differ
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        score = con.execute(
            "select index_score from marts.fct_member_index_monthly where employee_no = ? and month = ?",
            [employee, MONTH],
        ).fetchone()[0]
    assert f"→ {score} " in out.splitlines()[-1]


def _late_items(landing) -> tuple[str, str]:
    with open(landing / "admin" / "items_2026-10_late.csv", newline="") as f:
        vetoed, honoured = (row["employee_no"] for row in csv.DictReader(f))
    return vetoed, honoured


def test_a_veto_and_a_cap_in_the_diff_and_the_statement(restated, tmp_path):
    """The veto takes the month to 0 in a ledger row of its own, named by the admin item; the honour
    past the bonus cap is cut by a bonus_cap row; both in words on the statement."""
    _, home, _, landing = restated
    vetoed, honoured = _late_items(landing)
    diff = pioneer(
        "explain", "--home", str(home), "--employee-no", vetoed, "--month", MONTH, "--diff", "v1", "v2"
    )
    assert diff.returncode == 0, diff.stderr
    assert (
        "veto" in diff.stdout
        and "admin item AIV1, items_2026-10_late.csv:2, recorded 2026-11-06 01:30" in diff.stdout
    )
    assert "→ 0.00 " in diff.stdout.splitlines()[-1]
    page = _statement(home, tmp_path / "vetoed.html", "--employee-no", vetoed)
    assert "经批准的一票否决事项：当月指数清零，等级为后进" in page and "0.00（一票否决）" in page
    page = _statement(home, tmp_path / "honoured.html", "--employee-no", honoured)
    assert "经批准的行政加分事项：获评优秀共产党员" in page
    assert re.search(r"加分每月至多 20，超出部分 -\d+(\.\d+)?（规则 v1）", page), page
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        bonus = con.execute(
            "select bonus from marts.fct_member_index_monthly where employee_no = ? and month = ?",
            [honoured, MONTH],
        ).fetchone()[0]
    assert bonus == 20


def test_diff_of_a_version_never_published_is_bad_usage(restated):
    _, home, employee, _ = restated
    done = pioneer(
        "explain", "--home", str(home), "--employee-no", employee, "--month", MONTH, "--diff", "v1", "v9"
    )
    assert done.returncode == 2
    assert "v9 of 2026-10 was never published" in done.stderr


def _statement(home, out, *selector):
    done = pioneer("statement", "--home", str(home), "--month", MONTH, *selector, "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return out.read_text(encoding="utf-8")


def _roster_phones(landing):
    text = "\n".join(p.read_text(errors="replace") for p in (landing).rglob("*") if p.is_file())
    return set(re.findall(r"(?<!\d)1[3-9]\d{9}(?!\d)", text))


def test_member_statement_matches_the_marts(restated, tmp_path):
    _, home, employee, landing = restated
    page = _statement(home, tmp_path / "s.html", "--employee-no", employee)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        head = con.execute(
            "select member_id, index_score, grade, performance_coefficient, rank_overall, scored_members "
            "from marts.fct_member_index_monthly where employee_no = ? and month = ?",
            [employee, MONTH],
        ).fetchone()
        ledger = con.execute(
            "select component, points from marts.fct_member_points_ledger where member_id = ? and month = ?",
            [head[0], MONTH],
        ).fetchall()
        others = {r[0] for r in con.execute("select employee_no from marts.dim_member").fetchall()} - {
            employee
        }
        org_life_max = con.execute(
            "select org_life_max from staging.rules where rule_version = 'v1'"
        ).fetchone()[0]
    assert page.count("<tr class") + page.count("<tr><td>") == len(ledger)
    assert "业绩贡献 25 × min(KPI 55, 100) / 100 = 13.75（规则 v1）" in page
    assert f"组织生活 {int(org_life_max)} × 出席" in page
    assert f'data-key="先锋指数">{float(head[1]):.2f}' in page
    assert f'data-key="绩效系数">{float(head[3]):.2f}' in page
    assert f'data-key="全公司排名">{head[4]} / {head[5]}' in page
    assert "警示" in page or "合格" in page or "先锋" in page or "后进" in page
    assert not [phone for phone in _roster_phones(landing) if phone in page]
    assert not [other for other in others if other in page]


def test_statement_csv_and_branch_bundle(restated, tmp_path):
    _, home, employee, landing = restated
    rows = list(csv.DictReader(_statement(home, tmp_path / "s.csv", "--employee-no", employee).splitlines()))
    ledger = [r for r in rows if r["kind"] == "ledger"]
    assert {r["page"] for r in rows} == {employee}
    total = next(r for r in rows if r["item"] == "明细合计")["value"]
    assert abs(sum(float(r["value"]) for r in ledger) - float(total)) < 1e-6
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        branch = con.execute(
            "select branch_id from marts.fct_member_index_monthly where employee_no = ? and month = ?",
            [employee, MONTH],
        ).fetchone()[0]
        members = [r[0] for r in con.execute(
            "select employee_no from marts.fct_member_index_monthly where branch_id = ? and month = ?",
            [branch, MONTH],
        ).fetchall()]  # fmt: skip
        requirements = con.execute(
            "select count(*) from marts.fct_branch_compliance_monthly where branch_id = ? and month = ?",
            [branch, MONTH],
        ).fetchone()[0]
    bundle = _statement(home, tmp_path / "b.html", "--branch", branch)
    sections = re.findall(r'<section class="statement" data-key="([^"]+)">(.*?)</section>', bundle, re.S)
    assert [key for key, _ in sections] == [branch, *sorted(members)]
    assert sections[0][1].count("<tr><td>") == requirements
    for key, body in sections[1:]:
        assert not [m for m in members if m != key and m in body]
    assert not [phone for phone in _roster_phones(landing) if phone in bundle]


@pytest.fixture(scope="module")
def chromium() -> str:
    install = Path(__file__).resolve().parents[1] / "scripts" / "install_chromium.sh"
    if not shutil.which("chromium"):
        installed = subprocess.run([str(install)], capture_output=True, text=True, timeout=900)
        if not shutil.which("chromium"):
            pytest.skip(f"chromium could not be installed: {(installed.stdout + installed.stderr)[-300:]}")
    return shutil.which("chromium")


def test_statement_renders_in_chromium(restated, chromium, tmp_path):
    from chromium import Page

    _, home, employee, _ = restated
    out = tmp_path / "s.html"
    _statement(home, out, "--employee-no", employee)
    page = Page(chromium, tmp_path / "profile")
    try:
        page.open(out.as_uri())
        page.wait_for(lambda: page.evaluate("document.querySelectorAll('table.ledger tr').length") > 3)
        page.screenshot(tmp_path / "statement.png")
        assert page.errors == []
        assert page.evaluate("document.querySelector('h1').textContent").startswith("先锋指数积分明细单")
        assert page.evaluate("document.querySelector('table.ledger').getBoundingClientRect().width") > 400
        assert (tmp_path / "statement.png").stat().st_size > 10_000
    finally:
        page.close()
