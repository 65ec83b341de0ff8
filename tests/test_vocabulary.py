"""core/vocabulary.py: the vocabulary seeds and the warehouse's rule versions, read and checked."""

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from rule_versions import RULES_SEED, create_dim_rule_version

from core.vocabulary import (
    VOCABULARY_DIR,
    MonthRules,
    VocabularyError,
    declared_rule_versions,
    grade_coefficient,
    grade_cutoff,
    load_vocabulary,
    rule_version,
    rule_versions,
    rules_in_force,
)

PILOT_RULES = Path(__file__).resolve().parents[1] / "dbt_project" / "rules_examples" / "pilot_rollout.csv"


def copy_of_seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "vocabulary"
    shutil.copytree(VOCABULARY_DIR, folder)
    return folder


def test_the_shipped_seeds_are_the_spec_vocabulary():
    vocabulary = load_vocabulary()
    assert vocabulary.grade_labels == {
        "PIONEER": "先锋 PIONEER",
        "QUALIFIED": "合格 QUALIFIED",
        "WARNING": "警示 WARNING",
        "LAGGING": "后进 LAGGING",
    }
    assert vocabulary.requirement_names == {
        "committee": "支委会",
        "theme_day": "主题党日",
        "group": "党小组会",
        "branch_general": "支部党员大会",
        "lecture": "党课",
    }
    assert vocabulary.quarterly_requirements == ["branch_general", "lecture"]
    assert [r.requirement for r in vocabulary.requirements if r.needs_quorum] == [
        "committee",
        "branch_general",
    ]
    assert [r.requirement for r in vocabulary.requirements if r.is_per_group] == ["group"]
    assert list(vocabulary.status_names) == [
        "applicant",
        "activist",
        "candidate",
        "probationary",
        "full",
        "inactive",
    ]
    assert vocabulary.party_statuses == ("probationary", "full")
    assert set(vocabulary.meeting_type_names) == set(vocabulary.requirement_names) | {"other"}


@pytest.mark.parametrize(
    ("seed", "edit", "message"),
    [
        (
            "requirement",
            lambda text: text.replace("lecture,党课", "seminar,党课"),
            "requirement seminar: unknown code, not a meeting type",
        ),
        ("grade", lambda text: text.replace("WARNING,警示", "SILVER,警示"), "grade SILVER: unknown code"),
        (
            "grade",
            lambda text: (
                text.replace(",grade_order", "")
                .replace(",1\n", "\n")
                .replace(",2\n", "\n")
                .replace(",3\n", "\n")
                .replace(",4\n", "\n")
            ),
            "grade.csv, column grade_order: missing",
        ),
        (
            "member_status",
            lambda text: text.replace("full,正式党员,5,true", "full,正式党员,5,yes please"),
            "member_status.csv, line 6, column is_party_member: Input should be a valid boolean",
        ),
        (
            "meeting_type",
            lambda text: text + "committee,支委会\n",
            "column meeting_type: 'committee' not unique",
        ),
        (
            "meeting_type",
            lambda text: text.replace("meeting_type_name", "name"),
            "column meeting_type_name: missing",
        ),
    ],
)
def test_a_wrong_seed_fails_with_a_clear_error(tmp_path, seed, edit, message):
    folder = copy_of_seeds(tmp_path)
    path = folder / f"{seed}.csv"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(VocabularyError, match=message.replace("(", r"\(")):
        load_vocabulary(folder)


def warehouse(rules: Path = RULES_SEED) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    create_dim_rule_version(con, rules)
    return con


def test_rules_in_force_are_the_months_version_typed():
    with warehouse(PILOT_RULES) as con:
        before, after = rules_in_force(con, "2026-06"), rules_in_force(con, "2026-07")
        assert isinstance(before, MonthRules) and before.month == "2026-06"
        assert (before.rule_version, after.rule_version) == ("v1", "v2")
        assert before.hr_scope != after.hr_scope == "all"
        assert before.grade_pioneer_min == Decimal("90") and grade_coefficient(before, "PIONEER") == Decimal(
            "1.05"
        )
        assert grade_cutoff(before, "WARNING") == before.grade_warning_min
        assert [v.rule_version for v in rule_versions(con)] == ["v1", "v2"]
        assert rule_version(con, "v2").effective_from.isoformat() == "2026-07-01"


def test_a_wrong_warehouse_fails_with_a_clear_error():
    with warehouse() as con:
        with pytest.raises(VocabularyError, match="no rule version for month 2040-01"):
            rules_in_force(con, "2040-01")
        with pytest.raises(VocabularyError, match="rule version v9 governs no month"):
            rule_version(con, "v9")
        con.execute("alter table marts.dim_rule_version drop column star_2_min")
        with pytest.raises(VocabularyError, match=r"marts.dim_rule_version, column star_2_min: missing"):
            rules_in_force(con, "2026-03")
        con.execute("drop table marts.dim_rule_version")
        with pytest.raises(VocabularyError, match=r"the warehouse has no marts\.dim_rule_version"):
            rules_in_force(con, "2026-03")
    with warehouse() as con:
        con.execute("update marts.dim_rule_version set learning_basis = 'hours' where month = '2026-03'")
        with pytest.raises(VocabularyError, match="month 2026-03, column learning_basis"):
            rules_in_force(con, "2026-03")


def test_declared_rule_versions_are_every_version_of_the_rules_seed_in_force_or_not():
    with duckdb.connect() as con:
        con.execute("create schema staging")
        con.execute(f"create table staging.rules as select * from read_csv('{PILOT_RULES}', header=true)")
        con.execute(
            "insert into staging.rules select * replace ('v9' as rule_version, date '2030-01-01' as effective_from)"
            " from staging.rules where rule_version = 'v2'"
        )
        assert [v.rule_version for v in declared_rule_versions(con)] == ["v1", "v2", "v9"]
        con.execute("update staging.rules set coef_pioneer = null where rule_version = 'v9'")
        with pytest.raises(VocabularyError, match=r"staging\.rules, version v9, column coef_pioneer"):
            declared_rule_versions(con)
        con.execute("drop table staging.rules")
        with pytest.raises(VocabularyError, match=r"the warehouse has no staging\.rules"):
            declared_rule_versions(con)
