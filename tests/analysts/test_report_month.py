"""Which month `pioneer report` shows by default: the latest whose KPIs are in (the export's threshold)."""

from pathlib import Path

import duckdb
import pytest
from rule_versions import create_dim_rule_version

from core.config import Settings
from pioneer.analysts.report import ReportError, default_month

RULES_SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "rules.csv"


def warehouse(home: Path, months: dict[str, tuple[int, int]]) -> Settings:
    """Per month (members in the pay scope, of them without KPI)."""
    home.mkdir()
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("create schema staging; create schema marts")
        create_dim_rule_version(con, RULES_SEED)
        con.execute(
            "create table marts.dim_branch as select 'B1' branch_id, 'D1' department_id, 'D' department_name"
        )
        con.execute(
            "create table marts.fct_member_index_monthly (employee_no varchar, month varchar,"
            " department_id varchar, kpi_missing boolean, in_pay_scope boolean)"
        )
        for month, (members, missing) in months.items():
            for i in range(members):
                con.execute(
                    "insert into marts.fct_member_index_monthly values (?, ?, 'D1', ?, true)",
                    [f"SG{i:07d}", month, i < missing],
                )
    return Settings(home=home)


def test_the_latest_month_when_its_kpis_are_in(tmp_path):
    settings = warehouse(tmp_path / "home", {"2026-09": (10, 0), "2026-10": (10, 1)})  # 90 % = v1's minimum
    assert default_month(settings) == ("2026-10", None)


def test_an_incomplete_latest_month_is_passed_over_and_named(tmp_path):
    settings = warehouse(tmp_path / "home", {"2026-09": (10, 0), "2026-10": (10, 0), "2026-11": (10, 2)})
    assert default_month(settings) == ("2026-10", "2026-11")
    lenient = Settings(home=settings.home, min_kpi_coverage=0.8)  # PIONEER_MIN_KPI_COVERAGE
    assert default_month(lenient) == ("2026-11", None)


def test_no_complete_month_shows_the_latest_and_none_is_an_error(tmp_path):
    assert default_month(warehouse(tmp_path / "a", {"2026-10": (10, 9), "2026-11": (10, 10)})) == (
        "2026-11",
        None,
    )
    with pytest.raises(ReportError):
        default_month(warehouse(tmp_path / "b", {}))
