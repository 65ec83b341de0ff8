"""The rules file (docs/scoring.md "The rules file"): one CSV row per rule version, validated here
before anything of a run happens.

:func:`load_rules` reads the configured file (``Settings.rules_file``, ``PIONEER_RULES_FILE``;
default: the shipped ``dbt_project/seeds/rules.csv``) and checks every row against
:class:`RuleVersion`: every column of the spec present, each value of its type, ``effective_from``
the first day of a month, versions unique and ordered by ``effective_from``. Any problem raises
:class:`RulesFileError` with one line naming the file, the version and the column (exit 2).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
from decimal import Decimal
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from core.layout import Home

SHIPPED_RULES = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "rules.csv"


class RulesFileError(ValueError):
    """The rules file is missing, lacks a column, or holds a value of the wrong type (exit 2)."""


class RuleVersion(BaseModel):
    """One row of the rules file, each column typed as the spec says (its order is the spec's)."""

    model_config = ConfigDict(extra="forbid", strict=False)

    rule_version: str
    effective_from: dt.date
    org_life_max: Decimal
    learning_max: Decimal
    performance_max: Decimal
    pioneer_role_max: Decimal
    learning_monthly_target: Decimal
    kpi_full_score: Decimal
    service_target_hours: Decimal
    presence_share: Decimal
    meeting_quorum_share: Decimal
    min_active_days: int
    lecture_points: Decimal
    course_points: Decimal
    course_bonus_cap: Decimal
    service_bonus_per_hour: Decimal
    service_bonus_cap: Decimal
    bonus_cap: Decimal
    deduction_cap: Decimal
    unexcused_absence_points: Decimal
    index_min: Decimal
    index_max: Decimal
    index_decimals: int
    grade_pioneer_min: Decimal
    grade_qualified_min: Decimal
    grade_warning_min: Decimal
    pioneer_share: Decimal
    coef_pioneer: Decimal
    coef_qualified: Decimal
    coef_warning: Decimal
    coef_lagging: Decimal
    branch_member_weight: Decimal
    branch_compliance_weight: Decimal
    compliance_scale: Decimal
    star_3_min: Decimal
    star_2_min: Decimal
    star_1_min: Decimal
    export_day: int
    restatement_months: int
    min_kpi_coverage: Decimal
    hr_scope: str
    learning_basis: Literal["points", "courses"]
    course_target: int
    notice_days: int
    alert_days: int

    @field_validator("rule_version", "hr_scope")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("effective_from")
    @classmethod
    def _first_of_month(cls, value: dt.date) -> dt.date:
        if value.day != 1:
            raise ValueError(f"{value.isoformat()} is not the first day of a month")
        return value

    @field_validator("course_target", "notice_days", "alert_days", "restatement_months")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must not be negative")
        return value


COLUMNS = list(RuleVersion.model_fields)


def rules_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


M = TypeVar("M", bound=BaseModel)


def typed_row(model: type[M], row: dict, where: str, error: type[Exception]) -> M:
    """``row`` as ``model``; else ``error`` naming ``where``, the first bad column, the reason and
    the value (one line a user can act on: the file or table, the row, the column)."""
    try:
        return model(**row)
    except ValidationError as exc:
        first = exc.errors()[0]
        column = ".".join(map(str, first["loc"]))
        raise error(f"{where}, column {column}: {first['msg']} (got {row.get(column)!r})") from None


def load_rules(path: Path) -> list[RuleVersion]:
    """Every rule version of the rules file at ``path``, validated (see the module docstring)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesFileError(f"rules file {path}: cannot be read as UTF-8 ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    rows = list(reader)
    if not rows:
        raise RulesFileError(f"rules file {path}: no rule version")
    versions: list[RuleVersion] = []
    for line, row in enumerate(rows, start=2):
        version = (row.get("rule_version") or "").strip() or f"(line {line})"
        for column in COLUMNS:
            if column not in header:
                raise RulesFileError(f"rules file {path}, version {version}, column {column}: missing")
        unknown = [c for c in header if c not in COLUMNS]
        if unknown:
            raise RulesFileError(
                f"rules file {path}, version {version}, column {unknown[0]}: not a rules column"
            )
        values = {c: (row[c] or "").strip() for c in COLUMNS}
        versions.append(
            typed_row(RuleVersion, values, f"rules file {path}, version {version}", RulesFileError)
        )
    seen: set[str] = set()
    for previous, current in zip([None, *versions], versions, strict=False):
        if current.rule_version in seen:
            raise RulesFileError(
                f"rules file {path}, version {current.rule_version}, column rule_version: not unique"
            )
        seen.add(current.rule_version)
        if previous and current.effective_from <= previous.effective_from:
            raise RulesFileError(
                f"rules file {path}, version {current.rule_version}, column effective_from: "
                f"{current.effective_from} is not after {previous.effective_from} of {previous.rule_version} "
                "(versions are ordered by effective_from)"
            )
    return versions


def stage_rules(rules_file: Path, home: Path) -> Path:
    """Validate ``rules_file`` and keep it in the home: ``HOME/rules/<sha256>/rules.csv``, named
    by the sha256 of the file's bytes (what the run records), holding its validated rows in the
    spec's column order (no BOM, ``\n`` line ends: the file as Excel saved it seeds the same).
    Returns that directory; the build seeds that file (:func:`pioneer.transform.project_dir`),
    replay and audit find a past run's rules there by its sha256."""
    load_rules(rules_file)
    digest = rules_sha256(rules_file)
    folder = Home(home).rules(digest)
    seed = folder / "rules.csv"
    if not seed.exists():
        rows = list(csv.DictReader(Path(rules_file).read_text(encoding="utf-8-sig").splitlines()))
        folder.mkdir(parents=True, exist_ok=True)
        scratch = folder / f".rules.csv.{os.getpid()}"
        with scratch.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows([(row[c] or "").strip() for c in COLUMNS] for row in rows)
        os.replace(scratch, seed)
    return folder


def kept_rules(home: Path, digest: str) -> Path | None:
    """The rules file a run of ``home`` with rules sha256 ``digest`` built with, if kept."""
    seed = Home(home).rules(digest) / "rules.csv"
    return seed if seed.exists() else None
