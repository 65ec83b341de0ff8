"""The rules file as configuration (docs/scoring.md "The rules file"): validated before a run does
anything; a missing column or a wrongly typed value is exit 2 naming file, version and column."""

import csv
import io

import pytest
from pioneer_cli import pioneer

from core.rules import COLUMNS, SHIPPED_RULES, RulesFileError, load_rules


def _rows() -> list[dict]:
    return list(csv.DictReader(io.StringIO(SHIPPED_RULES.read_text(encoding="utf-8"))))


def _write(path, rows, columns=None):
    columns = columns or COLUMNS
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_shipped_file_has_the_spec_columns_and_the_v1_values():
    versions = load_rules(SHIPPED_RULES)
    assert SHIPPED_RULES.read_text().splitlines()[0].split(",") == COLUMNS
    v1 = versions[0]
    assert (v1.hr_scope, v1.learning_basis, v1.course_target, v1.notice_days, v1.alert_days) == (
        "all", "points", 2, 0, 7,
    )  # fmt: skip


def test_a_later_version_is_read(tmp_path):
    v2 = _rows()[0] | {"rule_version": "v2", "effective_from": "2026-09-01", "lecture_points": "5"}
    versions = load_rules(_write(tmp_path / "rules.csv", [*_rows(), v2]))
    assert [v.rule_version for v in versions] == ["v1", "v2"]


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"effective_from": "2026-09-02"}, "effective_from"),
        ({"effective_from": "1999-01-01"}, "effective_from"),
        ({"rule_version": "v1"}, "rule_version"),
        ({"learning_basis": "minutes"}, "learning_basis"),
        ({"notice_days": "five"}, "notice_days"),
    ],
)
def test_bad_versions_name_the_column(tmp_path, change, column):
    v2 = _rows()[0] | {"rule_version": "v2", "effective_from": "2026-09-01"} | change
    with pytest.raises(RulesFileError, match=f"version v[12], column {column}"):
        load_rules(_write(tmp_path / "rules.csv", [*_rows(), v2]))


def test_cli_missing_column_is_exit_2_naming_file_version_column(tmp_path):
    rules = _write(tmp_path / "rules.csv", _rows(), [c for c in COLUMNS if c != "notice_days"])
    (tmp_path / "landing").mkdir()
    done = pioneer(
        "run", "--sources", str(tmp_path / "landing"), "--home", str(tmp_path / "home"),
        PIONEER_RULES_FILE=str(rules),
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"rules file {rules}, version v1, column notice_days: missing" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_cli_wrongly_typed_value_is_exit_2_naming_file_version_column(tmp_path):
    rules = _write(tmp_path / "rules.csv", [_rows()[0] | {"min_active_days": "ten"}])
    (tmp_path / "landing").mkdir()
    done = pioneer(
        "run", "--sources", str(tmp_path / "landing"), "--home", str(tmp_path / "home"),
        PIONEER_RULES_FILE=str(rules),
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"rules file {rules}, version v1, column min_active_days:" in done.stderr
    assert not (tmp_path / "home" / "runs").exists()  # refused before anything ran


def test_the_build_seeds_the_configured_file_as_excel_saved_it(tmp_path):
    """Excel's "CSV UTF-8": a BOM and CRLF line ends. The home keeps it, named by the sha256 of
    the bytes the run records, as the seed dbt reads: the validated rows, spec column order."""
    from core.rules import kept_rules, rules_sha256, stage_rules

    excel = tmp_path / "rules.csv"
    excel.write_bytes(b"\xef\xbb\xbf" + SHIPPED_RULES.read_bytes().replace(b"\n", b"\r\n"))
    folder = stage_rules(excel, tmp_path / "home")
    assert folder == tmp_path / "home" / "rules" / rules_sha256(excel)
    assert (folder / "rules.csv").read_bytes() == SHIPPED_RULES.read_bytes()
    assert kept_rules(tmp_path / "home", rules_sha256(excel)) == folder / "rules.csv"
    assert kept_rules(tmp_path / "home", rules_sha256(SHIPPED_RULES)) is None
    broken = _write(tmp_path / "broken.csv", [_rows()[0] | {"index_decimals": "2.5"}])
    with pytest.raises(RulesFileError, match="version v1, column index_decimals"):
        stage_rules(broken, tmp_path / "home")
    assert sorted(p.name for p in (tmp_path / "home" / "rules").iterdir()) == [rules_sha256(excel)]


@pytest.mark.parametrize("example", ["pilot_rollout.csv", "courses_basis.csv"])
def test_the_shipped_examples_are_rules_files_not_in_force(example):
    """dbt_project/rules_examples (docs/rules.md): valid files for `rules compare`, outside the seeds."""
    path = SHIPPED_RULES.parents[1] / "rules_examples" / example
    versions = load_rules(path)
    assert [v.rule_version for v in versions] == ["v1", "v2"]
    assert versions[0].model_dump(exclude={"hr_scope"}) == load_rules(SHIPPED_RULES)[0].model_dump(
        exclude={"hr_scope"}
    )
    assert {v.hr_scope for v in versions} != {"all"} or {v.learning_basis for v in versions} == {
        "points",
        "courses",
    }
