"""Helpers that write small landing files and read back what the store holds."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import pytest

from core.config import Settings

ROSTER_HEADER = "member_id,employee_no,name,gender,phone,branch_id,party_group,status,status_since"
POINTS_HEADER = "姓名,手机号,日期,当日积分,累计积分"
COURSES_HEADER = "姓名,手机号,课程编号,课程名称,类型,日期"
KPI_HEADER = "employee_no,period,kpi_score,rating,updated_at"
ITEMS_HEADER = "item_id,employee_no,month,kind,points,reason,approved_by,approved_at,status"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "landing").mkdir()
    return Settings(home=tmp_path / "home", sources=tmp_path / "landing", now=dt.datetime(2026, 4, 1, 2, 0))


def at(settings: Settings, when: dt.datetime) -> Settings:
    """The same home and landing directory, another run clock."""
    return settings.model_copy(update={"now": when})


def write_lines(settings: Settings, relative: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = settings.sources / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_csv(settings: Settings, relative: str, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    """A CSV file as Excel saves one: a field quoted when it holds a comma, quote or line break
    (quotes doubled), records ended by CRLF, line breaks inside a field kept as written (Excel
    writes LF for Alt+Enter); UTF-8 with BOM ("CSV UTF-8") unless told otherwise."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    path = settings.sources / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def write_jsonl(settings: Settings, relative: str, records: list[dict | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    return write_lines(settings, relative, lines)


def events(
    settings: Settings, source: str, entity: str, order: str = "source_file, source_position"
) -> list[dict]:
    glob = settings.home / "events" / source / entity / "*.parquet"
    rel = duckdb.sql(f"SELECT * FROM read_parquet('{glob}') ORDER BY {order}")
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def quarantine(settings: Settings, source: str) -> list[dict]:
    glob = settings.home / "quarantine" / source / "*.parquet"
    rel = duckdb.sql(f"SELECT * FROM read_parquet('{glob}') ORDER BY source_file, source_position")
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def meeting_record(meeting_id: str = "MT1", updated_at: str = "2026-03-07T12:00:00+08:00", **fields) -> dict:
    return {
        "meeting_id": meeting_id,
        "branch_id": "B01",
        "party_group": None,
        "type": "committee",
        "title": "支委会",
        "start_time": "2026-03-07T09:00:00+08:00",
        "end_time": "2026-03-07T10:00:00+08:00",
        "status": "held",
        "due_user_ids": ["SG1", "SG2"],
        "updated_at": updated_at,
        **fields,
    }
