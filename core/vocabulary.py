"""The pipeline's vocabulary and the rule version in force, read in one place.

- **Vocabulary**: the codes of member statuses, meeting types, 三会一课 requirements and grades with
  their Chinese names. Their home is the dbt seeds ``dbt_project/seeds/vocabulary/*.csv`` (the SQL
  tests its codes against them); :func:`load_vocabulary` reads the CSV files, so it works without a
  warehouse.
- **Rules in force**: the rule version of each month and its constants, ``marts.dim_rule_version``
  of the warehouse a caller is given (:func:`rules_in_force`, :func:`rule_version`,
  :func:`rule_versions`; every version of the rules file, in force or not yet, from its seed:
  :func:`declared_rule_versions`), typed as :class:`core.rules.RuleVersion` (the rules file's columns,
  docs/scoring.md "The rules file") or :class:`MonthRules` (the same with its month).

Anything wrong (a column missing, a code unknown, a month without a rule version) raises
:class:`VocabularyError` with one line naming the file or table, the row and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from core.rules import RuleVersion, typed_row

VOCABULARY_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "vocabulary"
RULES_TABLE = "marts.dim_rule_version"
SEED_TABLE = "staging.rules"  # the rules file the warehouse was built with, every version


class VocabularyError(ValueError):
    """A vocabulary seed or the warehouse's rule versions are not as the spec says."""


# --- vocabulary -------------------------------------------------------------------------------


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberStatus(_Entry):
    status: str
    status_name: str
    status_stage: int
    is_party_member: bool  # a day at this status is an active day (预备党员, 正式党员)


class MeetingType(_Entry):
    meeting_type: str
    meeting_type_name: str


class Requirement(_Entry):
    requirement: str  # the meeting type that meets it
    requirement_name: str
    is_quarterly: bool
    is_per_group: bool
    needs_quorum: bool


class Grade(_Entry):
    grade: str
    grade_name: str
    grade_order: int  # 1 the best

    @property
    def label(self) -> str:
        """Chinese name and code, as pages show a grade: ``先锋 PIONEER``."""
        return f"{self.grade_name} {self.grade}"


@dataclass(frozen=True)
class Vocabulary:
    member_statuses: tuple[MemberStatus, ...]  # in pipeline order (status_stage)
    meeting_types: tuple[MeetingType, ...]
    requirements: tuple[Requirement, ...]  # in the catalogue's order
    grades: tuple[Grade, ...]  # best first (grade_order)

    @property
    def grade_codes(self) -> tuple[str, ...]:
        return tuple(g.grade for g in self.grades)

    @property
    def grade_labels(self) -> dict[str, str]:
        return {g.grade: g.label for g in self.grades}

    @property
    def requirement_names(self) -> dict[str, str]:
        return {r.requirement: r.requirement_name for r in self.requirements}

    @property
    def quarterly_requirements(self) -> list[str]:
        return [r.requirement for r in self.requirements if r.is_quarterly]

    @property
    def status_names(self) -> dict[str, str]:
        return {s.status: s.status_name for s in self.member_statuses}

    @property
    def party_statuses(self) -> tuple[str, ...]:
        return tuple(s.status for s in self.member_statuses if s.is_party_member)

    @property
    def meeting_type_names(self) -> dict[str, str]:
        return {t.meeting_type: t.meeting_type_name for t in self.meeting_types}


def _read_seed(folder: Path, name: str, model: type[_Entry]) -> list:
    path = folder / f"{name}.csv"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VocabularyError(f"vocabulary seed {path}: cannot be read as UTF-8 ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    header, columns = reader.fieldnames or [], list(model.model_fields)
    for column in columns:
        if column not in header:
            raise VocabularyError(f"vocabulary seed {path}, column {column}: missing")
    for column in header:
        if column not in columns:
            raise VocabularyError(f"vocabulary seed {path}, column {column}: not a column of {name}")
    entries, seen = [], set()
    for line, row in enumerate(reader, start=2):
        entry = typed_row(model, row, f"vocabulary seed {path}, line {line}", VocabularyError)
        code = row[columns[0]]
        if not code or code in seen:
            raise VocabularyError(
                f"vocabulary seed {path}, line {line}, column {columns[0]}: {code!r} not unique"
            )
        seen.add(code)
        entries.append(entry)
    if not entries:
        raise VocabularyError(f"vocabulary seed {path}: no rows")
    return entries


def load_vocabulary(folder: Path = VOCABULARY_DIR) -> Vocabulary:
    """The vocabulary seeds of ``folder`` (default: the shipped ones), checked: each file has
    exactly its columns and unique codes, every requirement is a meeting type, stages and grade
    orders are unique, and every grade has its rule constants (``coef_<grade>``; each grade but
    the lowest a cut-off ``grade_<grade>_min``)."""
    return _load(Path(folder))


@cache
def _load(folder: Path) -> Vocabulary:
    statuses = sorted(_read_seed(folder, "member_status", MemberStatus), key=lambda s: s.status_stage)
    types = _read_seed(folder, "meeting_type", MeetingType)
    requirements = _read_seed(folder, "requirement", Requirement)
    grades = sorted(_read_seed(folder, "grade", Grade), key=lambda g: g.grade_order)
    known_types = {t.meeting_type for t in types}
    for r in requirements:
        if r.requirement not in known_types:
            raise VocabularyError(
                f"vocabulary seed {folder / 'requirement.csv'}, requirement {r.requirement}: "
                f"unknown code, not a meeting type of {folder / 'meeting_type.csv'}"
            )
    for values, column, seed in (
        ([s.status_stage for s in statuses], "status_stage", "member_status"),
        ([g.grade_order for g in grades], "grade_order", "grade"),
    ):
        if len(set(values)) != len(values):
            raise VocabularyError(f"vocabulary seed {folder / f'{seed}.csv'}, column {column}: not unique")
    for i, g in enumerate(grades):
        needed = [f"coef_{g.grade.lower()}"] + (
            [f"grade_{g.grade.lower()}_min"] if i < len(grades) - 1 else []
        )
        for field in needed:
            if field not in RuleVersion.model_fields:
                raise VocabularyError(
                    f"vocabulary seed {folder / 'grade.csv'}, grade {g.grade}: unknown code, "
                    f"the rules have no {field}"
                )
    return Vocabulary(tuple(statuses), tuple(types), tuple(requirements), tuple(grades))


# --- rules ------------------------------------------------------------------------------------


def grade_coefficient(rules: RuleVersion, grade: str) -> Decimal:
    """The HR performance coefficient of ``grade`` under ``rules`` (``coef_<grade>``)."""
    return getattr(rules, f"coef_{grade.lower()}")


def grade_cutoff(rules: RuleVersion, grade: str) -> Decimal:
    """The lowest index of ``grade`` under ``rules`` (``grade_<grade>_min``; the lowest grade has none)."""
    return getattr(rules, f"grade_{grade.lower()}_min")


class MonthRules(RuleVersion):
    """The rule version in force for one month of the marts (a row of ``marts.dim_rule_version``)."""

    month: str
    month_start: dt.date


def _rows(con: Any, where: str, params: list) -> list[MonthRules]:
    import duckdb

    try:
        cursor = con.execute(f"select * from {RULES_TABLE} {where} order by month_start", params)
    except duckdb.CatalogException:
        raise VocabularyError(
            f"the warehouse has no {RULES_TABLE} (built before it existed: run the pipeline again)"
        ) from None
    names = [d[0] for d in cursor.description]
    for column in MonthRules.model_fields:
        if column not in names:
            raise VocabularyError(f"{RULES_TABLE}, column {column}: missing")
    out = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        values = {c: row[c] for c in MonthRules.model_fields}
        out.append(typed_row(MonthRules, values, f"{RULES_TABLE}, month {row['month']}", VocabularyError))
    return out


def rules_in_force(con: Any, month: str) -> MonthRules:
    """The rule version in force for ``month`` (``YYYY-MM``) and its constants."""
    rows = _rows(con, "where month = ?", [month])
    if not rows:
        raise VocabularyError(f"{RULES_TABLE}: no rule version for month {month}")
    return rows[0]


def rule_versions(con: Any) -> list[RuleVersion]:
    """Every rule version in force for some month of the marts, oldest first."""
    versions: dict[str, RuleVersion] = {}
    for row in _rows(con, "", []):
        versions.setdefault(row.rule_version, RuleVersion(**row.model_dump(exclude={"month", "month_start"})))
    return sorted(versions.values(), key=lambda v: v.effective_from)


def declared_rule_versions(con: Any) -> list[RuleVersion]:
    """Every version of the rules file the warehouse was built with (its seed, ``staging.rules``),
    oldest first, also one not in force yet: HR's README announces a version before its months."""
    import duckdb

    try:
        cursor = con.execute(f"select * from {SEED_TABLE} order by effective_from")
    except duckdb.CatalogException:
        raise VocabularyError(f"the warehouse has no {SEED_TABLE}") from None
    names = [d[0] for d in cursor.description]
    out = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        values = {c: row.get(c) for c in RuleVersion.model_fields}
        where = f"{SEED_TABLE}, version {row.get('rule_version')}"
        out.append(typed_row(RuleVersion, values, where, VocabularyError))
    return out


def rule_version(con: Any, version: str) -> RuleVersion:
    """Rule version ``version``, as in force for the months it governs."""
    for found in rule_versions(con):
        if found.rule_version == version:
            return found
    raise VocabularyError(f"{RULES_TABLE}: rule version {version} governs no month")
