"""Build a tiny event store (HOME/events/<source>/<entity>/*.parquet) for the dbt tests.

Uses the contract of ``ingest/schema.py``: envelope + typed columns of every entity, and a
zero-row ``_empty.parquet`` per entity so that every reader's glob matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.schema import ENTITIES, HOLDS, entity_schema


def ts(text: str) -> dt.datetime:
    """'2026-03-05 09:00' → naive Shanghai datetime."""
    return dt.datetime.fromisoformat(text)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class EventStore:
    """Collects events and writes them as one batch per entity."""

    def __init__(self, recorded_at: str = "2026-05-01 02:00"):
        self.rows: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self.recorded_at = ts(recorded_at)
        self._positions: dict[str, int] = defaultdict(lambda: 1)

    def event(
        self,
        source,
        entity,
        natural_key,
        record_time=None,
        *,
        deleted=False,
        source_file=None,
        source_position=None,
        batch_id="b1",
        **typed,
    ):
        source_file = source_file or f"{entity}.file"
        if source_position is None:
            self._positions[source_file] += 1
            source_position = self._positions[source_file]
        for name, value in list(typed.items()):
            if isinstance(value, (int, float)) and ENTITIES_TYPES[(source, entity)].get(name) == "dec":
                typed[name] = Decimal(str(value))
        row = {
            "event_id": hashlib.sha256(
                f"{source}|{entity}|{natural_key}|{record_time}|{source_file}|{source_position}".encode()
            ).hexdigest(),
            "source": source,
            "entity": entity,
            "natural_key": natural_key,
            "record_time": record_time,
            "recorded_at": self.recorded_at,
            "batch_id": batch_id,
            "source_file": source_file,
            "source_position": source_position,
            "deleted": deleted,
            "raw": json.dumps({k: str(v) for k, v in typed.items()}),
            **typed,
        }
        self.rows[(source, entity)].append(row)
        return row

    # --- convenience builders -------------------------------------------------------
    def snapshot(self, day: str, persons: int = 0):
        return self.event(
            "roster", "snapshot", day, ts(day + " 00:00"), snapshot_date=d(day), persons=persons
        )

    def member(
        self,
        member_id,
        day,
        *,
        status="full",
        branch_id="B01",
        party_group="B01-G1",
        employee_no=None,
        person_key=None,
        present=True,
        change_kind="joined",
        name=None,
        gender="M",
        status_since=None,
    ):
        return self.event(
            "roster",
            "member",
            member_id,  # the store's natural key of a member event (schema.py)
            ts(day + " 00:00"),
            member_id=member_id,
            effective_date=d(day),
            change_kind=change_kind,
            present=present,
            employee_no=employee_no or f"E{member_id[1:]}",
            name=name or member_id,
            gender=gender,
            person_key=person_key or f"pk-{member_id}",
            branch_id=branch_id,
            party_group=party_group,
            status=status,
            status_since=d(status_since or day),
        )

    def branch(self, branch_id, day, *, name=None, department_id="D1", department_name="Dept 1"):
        return self.event(
            "roster",
            "branch",
            branch_id,
            ts(day + " 00:00"),
            branch_id=branch_id,
            effective_date=d(day),
            present=True,
            branch_name=name or branch_id,
            department_id=department_id,
            department_name=department_name,
        )

    def meeting(
        self,
        meeting_id,
        start,
        end,
        *,
        type="branch_general",
        branch_id="B01",
        party_group=None,
        status="held",
        due=(),
        updated_at="2026-01-01 00:00",
        deleted=False,
        **kw,
    ):
        return self.event(
            "meeting",
            "meeting",
            meeting_id,
            ts(updated_at),
            deleted=deleted,
            meeting_id=meeting_id,
            branch_id=branch_id,
            party_group=party_group,
            type=type,
            title=meeting_id,
            start_time=ts(start),
            end_time=ts(end),
            status=status,
            due_user_ids=list(due),
            updated_at=ts(updated_at),
            **kw,
        )

    def attendance(
        self,
        record_id,
        meeting_id,
        user_id,
        *,
        mode="onsite",
        join=None,
        leave=None,
        updated_at="2026-01-01 00:00",
        deleted=False,
    ):
        return self.event(
            "meeting",
            "attendance",
            record_id,
            ts(updated_at),
            deleted=deleted,
            record_id=record_id,
            meeting_id=meeting_id,
            user_id=user_id,
            mode=mode,
            join_time=ts(join) if join else None,
            leave_time=ts(leave) if leave else None,
            updated_at=ts(updated_at),
        )

    def leave(self, leave_id, meeting_id, user_id, *, approved=True, updated_at="2026-01-01 00:00"):
        return self.event(
            "meeting",
            "leave",
            leave_id,
            ts(updated_at),
            leave_id=leave_id,
            meeting_id=meeting_id,
            user_id=user_id,
            reason="sick",
            approved=approved,
            updated_at=ts(updated_at),
        )

    def service(self, record_id, user_id, start, end, *, verified=True, updated_at="2026-01-01 00:00"):
        return self.event(
            "meeting",
            "service_record",
            record_id,
            ts(updated_at),
            record_id=record_id,
            user_id=user_id,
            kind="volunteer",
            grid_id=None,
            start_time=ts(start),
            end_time=ts(end),
            verified=verified,
            description="",
            updated_at=ts(updated_at),
        )

    def points(self, person_key, day, points, *, export_date="2026-04-30", source_file=None):
        return self.event(
            "learning",
            "points",
            f"{person_key}|{day}",
            ts(export_date + " 00:00"),
            source_file=source_file or f"points_{export_date}.csv",
            person_key=person_key,
            points_date=d(day),
            points=points,
            cumulative_points=0,
            export_date=d(export_date),
        )

    def course(self, person_key, course_id, day, *, kind="completed", export_date="2026-04-30"):
        return self.event(
            "learning",
            "course",
            f"{person_key}|{course_id}|{kind}|{day}",
            ts(export_date + " 00:00"),
            source_file=f"courses_{export_date}.csv",
            person_key=person_key,
            course_id=course_id,
            course_name=course_id,
            course_kind=kind,
            course_date=d(day),
            export_date=d(export_date),
        )

    def kpi(self, employee_no, period, score, *, updated_at="2026-01-01 00:00"):
        return self.event(
            "performance",
            "kpi",
            f"{employee_no}|{period}",
            ts(updated_at),
            employee_no=employee_no,
            period=period,
            kpi_score=score,
            rating=None,
            updated_at=ts(updated_at),
        )

    def admin(
        self,
        item_id,
        employee_no,
        month,
        kind,
        points=0,
        *,
        status="approved",
        approved_at="2026-01-01 00:00",
    ):
        return self.event(
            "admin",
            "item",
            item_id,
            ts(approved_at),
            item_id=item_id,
            employee_no=employee_no,
            month=month,
            kind=kind,
            points=points,
            reason="r",
            approved_by="admin",
            approved_at=ts(approved_at),
            status=status,
        )

    def appeal(
        self,
        appeal_id,
        employee_no,
        month,
        status,
        points=None,
        *,
        component="other",
        updated_at="2026-01-01 00:00",
        decided_at=None,
    ):
        return self.event(
            "appeals",
            "appeal",
            appeal_id,
            ts(updated_at),
            appeal_id=appeal_id,
            employee_no=employee_no,
            month=month,
            component=component,
            points=points,
            reason="r",
            status=status,
            decided_by="office" if decided_at else None,
            decided_at=ts(decided_at) if decided_at else None,
            updated_at=ts(updated_at),
        )

    # --- output -----------------------------------------------------------------------
    def write(self, home: Path) -> None:
        holds = Path(home) / "events" / "_holds"  # the held deliveries' ledger (ingest/holds.py): none
        holds.mkdir(parents=True, exist_ok=True)
        pq.write_table(HOLDS.empty_table(), holds / "_empty.parquet")
        for (source, entity), _fields in ENTITIES.items():
            folder = Path(home) / "events" / source / entity
            folder.mkdir(parents=True, exist_ok=True)
            schema = entity_schema(source, entity)
            pq.write_table(schema.empty_table(), folder / "_empty.parquet")
            rows = self.rows.get((source, entity))
            if rows:
                cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
                pq.write_table(pa.table(cols, schema=schema), folder / "b1.parquet")


ENTITIES_TYPES = {
    key: {f.name: ("dec" if pa.types.is_decimal(f.type) else "") for f in fields}
    for key, fields in ENTITIES.items()
}
