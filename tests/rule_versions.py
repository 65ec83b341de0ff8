"""Test warehouses' rules: ``marts.dim_rule_version`` as dbt builds it, from a rules file.

The readers (core/vocabulary.py) take a month's rules from that mart; a test warehouse gets it
from a rules CSV with :func:`create_dim_rule_version`: one row per month of a wide range, the
version in force on the month's first day (latest ``effective_from`` on or before it).
"""

from pathlib import Path

import duckdb

RULES_SEED = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "rules.csv"


def create_dim_rule_version(
    con: duckdb.DuckDBPyConnection,
    rules_csv: Path = RULES_SEED,
    first: str = "2020-01-01",
    last: str = "2030-12-01",
) -> None:
    """Create ``marts.dim_rule_version`` (the schema exists) for every month from ``first`` to ``last``."""
    con.execute(
        f"""
        create table marts.dim_rule_version as
        select strftime(months.month_start, '%Y-%m') as month, months.month_start, rules.*
        from (
            select cast(range as date) as month_start
            from range(date '{first}', date '{last}' + interval 1 month, interval 1 month)
        ) as months
        inner join read_csv('{rules_csv}', header = true) as rules
            on rules.effective_from <= months.month_start
        qualify row_number() over (partition by months.month_start order by rules.effective_from desc) = 1
        """
    )
