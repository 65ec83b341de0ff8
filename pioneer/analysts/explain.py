"""``pioneer explain``: a member month's points ledger, line by line, ending in index and grade."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.config import Settings
from core.layout import Home
from core.months import month_bounds
from ingest.schema import sql_text


class LedgerNotFound(LookupError):
    """No index for that employee and month (not scored, unknown, or not built yet)."""


def explain_member_month(settings: Settings, employee_no: str, month: str) -> str:
    warehouse = settings.layout.warehouse
    if not warehouse.exists():
        raise LedgerNotFound(f"no warehouse at {warehouse}: run `pioneer run` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        head = con.execute(
            "select member_id, branch_id, active_days, org_life, learning, performance, pioneer_role, "
            "base, bonus, deductions, vetoed, index_score, grade, performance_coefficient, "
            "rank_in_branch, rank_overall, kpi_missing, rule_version "
            "from marts.fct_member_index_monthly where employee_no = ? and month = ?",
            [employee_no, month],
        ).fetchone()
        if head is None:
            raise LedgerNotFound(f"no index for employee {employee_no} in {month} (not a scored member?)")
        cols = [d[0] for d in con.description]
        row = dict(zip(cols, head, strict=True))
        ledger = con.execute(
            "select component, points, source_system, source_record_id, detail "
            "from marts.fct_member_points_ledger where member_id = ? and month = ? "
            "order by case when points >= 0 then 0 else 1 end, component, source_record_id",
            [row["member_id"], month],
        ).fetchall()
    lines = [
        f"Pioneer Index 先锋指数 — employee {employee_no} ({row['member_id']}), {month}, "
        f"branch {row['branch_id']}, {row['active_days']} active days, rules {row['rule_version']}",
        "",
        f"{'component':<22}{'points':>9}  {'source':<12}{'record':<28}detail",
    ]
    total = 0
    for component, points, system, record, detail in ledger:
        total += points
        lines.append(f"{component:<22}{points:>9.2f}  {system or '':<12}{record or '':<28}{detail or ''}")
    lines += [
        "-" * 80,
        f"{'ledger total':<22}{total:>9.2f}",
        f"base {row['base']:.2f} (组织生活 org_life {row['org_life']:.2f}, 学习教育 learning {row['learning']:.2f}, "
        f"业绩贡献 performance {row['performance']:.2f}, 先锋作用 pioneer_role {row['pioneer_role']:.2f})"
        + (" — KPI missing" if row["kpi_missing"] else ""),
        f"bonus {row['bonus']:.2f} (after caps), deductions {row['deductions']:.2f} (after cap)"
        + (", VETO 清零" if row["vetoed"] else ""),
        f"index {row['index_score']}  grade {row['grade']}  coefficient {row['performance_coefficient']}  "
        f"rank {row['rank_in_branch']} in branch, {row['rank_overall']} overall",
    ]
    return "\n".join(lines)


# ---- source records of a ledger row ------------------------------------------------------------

# The store entities (source, entity) each ledger component is computed from.
COMPONENT_ENTITIES = {
    "org_life": [("meeting", "meeting"), ("meeting", "attendance"), ("meeting", "leave")],
    "unexcused_absence": [("meeting", "meeting"), ("meeting", "attendance"), ("meeting", "leave")],
    "learning": [("learning", "points")],
    "course": [("learning", "course")],
    "lecture": [("learning", "course")],
    "course_cap": [("learning", "course")],
    "performance": [("performance", "kpi")],
    "pioneer_role": [("meeting", "service_record")],
    "service_bonus": [("meeting", "service_record")],
    "service_bonus_cap": [("meeting", "service_record")],
    "admin_bonus": [("admin", "item")],
    "admin_deduction": [("admin", "item")],
    "veto": [("admin", "item")],
    "appeal": [("appeals", "appeal")],
}
ENTITY_WORDS = {
    ("meeting", "meeting"): "meeting",
    ("meeting", "attendance"): "attendance record",
    ("meeting", "leave"): "leave record",
    ("meeting", "service_record"): "service record",
    ("learning", "points"): "learning points record",
    ("learning", "course"): "course record",
    ("performance", "kpi"): "performance record",
    ("admin", "item"): "admin item",
    ("appeals", "appeal"): "appeal",
}


@dataclass(frozen=True)
class SourceEvent:
    """One stored event (a version of a source record): never its raw row (it may hold a phone)."""

    source: str
    entity: str
    natural_key: str
    source_file: str
    source_position: int | None
    recorded_at: dt.datetime
    deleted: bool

    def words(self) -> str:
        what = ENTITY_WORDS.get((self.source, self.entity), f"{self.source} {self.entity}")
        where = f"{self.source_file}:{self.source_position}" if self.source_position else self.source_file
        gone = " (tombstone)" if self.deleted else ""
        return f"{what} {self.natural_key}{gone}, {where}, recorded {self.recorded_at:%Y-%m-%d %H:%M}"


def source_events(
    home: Path,
    warehouse: duckdb.DuckDBPyConnection,
    member: dict,
    month: str,
    component: str,
    record_id: str | None,
    until: dt.datetime | None = None,
) -> list[SourceEvent]:
    """The stored events a ledger row of ``member`` (member_id, employee_no) in ``month`` follows
    from, every version of them recorded up to ``until`` (naive Shanghai local time), oldest first.
    ``warehouse``: the warehouse the row comes from (for the learning platform's person key)."""
    entities = COMPONENT_ENTITIES.get(component, [])
    if not entities:
        return []
    start, end = month_bounds(month)
    emp = member["employee_no"]
    person_keys = []
    if any(source == "learning" for source, _ in entities):
        person_keys = [
            r[0]
            for r in warehouse.execute(
                "select distinct person_key from intermediate.int_learning_person_map where member_id = ?",
                [member["member_id"]],
            ).fetchall()
        ]
    meeting_ids: list[str] = []
    if component == "unexcused_absence" and record_id:
        meeting_ids = [record_id]
    elif component == "org_life":
        meeting_ids = [
            r[0]
            for r in warehouse.execute(
                "select distinct meeting_id from intermediate.int_member_required_meetings "
                "where member_id = ? and month_start = ?",
                [member["member_id"], start],
            ).fetchall()
        ]
    found: list[SourceEvent] = []
    with duckdb.connect() as con:
        for source, entity in entities:
            files = Home(home).entity(source, entity)
            if not files.is_dir():
                continue
            glob = sql_text(str(files / "*.parquet"))
            where, params = [], []
            if (source, entity) == ("performance", "kpi"):
                where.append("natural_key = ?")
                params.append(f"{emp}|{month}")
            elif (source, entity) in (("admin", "item"), ("appeals", "appeal")):
                if record_id:
                    where.append("natural_key = ?")
                    params.append(record_id)
                else:
                    continue
            elif (source, entity) == ("meeting", "meeting"):
                if not meeting_ids:
                    continue
                where.append("list_contains(?, natural_key)")
                params.append(meeting_ids)
            elif source == "meeting" and entity in ("attendance", "leave"):
                if not meeting_ids:
                    continue
                where.append("json_extract_string(raw, '$.user_id') = ?")
                where.append("list_contains(?, json_extract_string(raw, '$.meeting_id'))")
                params += [emp, meeting_ids]
            elif (source, entity) == ("meeting", "service_record"):
                where.append("json_extract_string(raw, '$.user_id') = ?")
                where.append("substr(json_extract_string(raw, '$.start_time'), 1, 7) = ?")
                params += [emp, month]
            elif source == "learning":
                if not person_keys:
                    continue
                where.append("list_contains(?, split_part(natural_key, '|', 1))")
                params.append(person_keys)
                if entity == "course" and record_id:  # course_id|date
                    course, day = (record_id.split("|") + [""])[:2]
                    where.append("split_part(natural_key, '|', 2) = ?")
                    where.append("split_part(natural_key, '|', 4) = ?")
                    params += [course, day]
                else:
                    date_part = 4 if entity == "course" else 2
                    where.append(f"split_part(natural_key, '|', {date_part}) >= ?")
                    where.append(f"split_part(natural_key, '|', {date_part}) < ?")
                    params += [start, end]
            if until is not None:
                where.append("recorded_at <= ?")
                params.append(until)
            sql = (
                "select natural_key, source_file, source_position, recorded_at, coalesce(deleted, false) "
                f"from read_parquet({glob}, union_by_name=true) where natural_key is not null and "
                + " and ".join(where)
            )
            for key, file, position, recorded, deleted in con.execute(sql, params).fetchall():
                found.append(SourceEvent(source, entity, key, file, position, recorded, bool(deleted)))
    return sorted(found, key=lambda e: (e.recorded_at, e.source, e.entity, e.natural_key))


# ---- explain --diff ------------------------------------------------------------------------------


class VersionNotPublished(LookupError):
    """No such published HR version of that month (exit 2)."""


@dataclass
class PublishedVersion:
    version: int
    run_clock: dt.datetime
    home: Path  # the replayed home view (its store as of the publishing run)
    warehouse: Path


def _parse_version(text: str) -> int:
    digits = text.lower().removeprefix("v")
    if not digits.isdigit():
        raise VersionNotPublished(f"a version is vN, got {text!r}")
    return int(digits)


def replay_version(home: Path, month: str, version: str, work: Path) -> PublishedVersion:
    """Replay the run that published ``version`` of the month's HR file into ``work``."""
    from pioneer.replay import _publishing_run, replay, run_records

    number = _parse_version(version)
    manifest = Home(home).hr / month / f"pioneer_index_{month}_v{number}.manifest.json"
    if not manifest.exists():
        published = sorted(p.name for p in (Home(home).hr / month).glob("*.manifest.json"))
        raise VersionNotPublished(
            f"v{number} of {month} was never published on {home} (published: {', '.join(published) or 'none'})"
        )
    created_at = json.loads(manifest.read_text())["created_at"]
    run = _publishing_run(run_records(home), created_at)
    if run is None:
        raise VersionNotPublished(
            f"no run record with clock {created_at}, which published v{number} of {month}"
        )
    done = replay(home, run.clock, work)
    return PublishedVersion(number, run.clock, work / "home", done.warehouse)


def _ledger(con: duckdb.DuckDBPyConnection, employee_no: str, month: str) -> tuple[dict | None, dict]:
    head = con.execute(
        "select member_id, employee_no, index_score, grade from marts.fct_member_index_monthly "
        "where employee_no = ? and month = ?",
        [employee_no, month],
    ).fetchone()
    if head is None:
        return None, {}
    member = dict(zip(("member_id", "employee_no", "index_score", "grade"), head, strict=True))
    rows = con.execute(
        "select component, source_record_id, points, source_system, detail "
        "from marts.fct_member_points_ledger where member_id = ? and month = ?",
        [member["member_id"], month],
    ).fetchall()
    return member, {(c, r): (p, s, d) for c, r, p, s, d in rows}


def _local_naive(moment: dt.datetime) -> dt.datetime:
    from core.config import SHANGHAI

    return moment.astimezone(SHANGHAI).replace(tzinfo=None)


def diff_member_month(home: Path, employee_no: str, month: str, old: str, new: str, work: Path) -> str:
    """The ledger rows of a member month that differ between two published HR versions, each with
    the source records behind it (the versions recorded between the two publishing runs first)."""
    home = Path(home).resolve()

    for version in (old, new):  # refuse a version never published before replaying anything
        number = _parse_version(version)
        if not (Home(home).hr / month / f"pioneer_index_{month}_v{number}.manifest.json").exists():
            replay_version(home, month, version, work / "unused")  # raises VersionNotPublished
    a = replay_version(home, month, old, work / "old")
    b = replay_version(home, month, new, work / "new")
    with (
        duckdb.connect(str(a.warehouse), read_only=True) as con_a,
        duckdb.connect(str(b.warehouse), read_only=True) as con_b,
    ):
        member_a, rows_a = _ledger(con_a, employee_no, month)
        member_b, rows_b = _ledger(con_b, employee_no, month)
        if member_a is None and member_b is None:
            raise LedgerNotFound(
                f"employee {employee_no} is scored in {month} in neither v{a.version} nor v{b.version}"
            )
        member = member_b or member_a
        lo, hi = sorted([a, b], key=lambda v: v.run_clock)
        since, until = _local_naive(lo.run_clock), _local_naive(hi.run_clock)
        lines = [
            f"Pioneer Index 先锋指数 — employee {employee_no} ({member['member_id']}), {month}: "
            f"v{a.version} (run {a.run_clock.isoformat()}) → v{b.version} (run {b.run_clock.isoformat()})",
        ]
        changed = 0
        for key in sorted(set(rows_a) | set(rows_b), key=lambda k: (k[0], k[1] or "")):
            before, after = rows_a.get(key), rows_b.get(key)
            if before is not None and after is not None and before[0] == after[0] and before[2] == after[2]:
                continue
            changed += 1
            component, record = key
            label = component + (f" {record}" if record else "")
            if before is None:
                what = f"added {label} {after[0]:+.2f}" + (f" ({after[2]})" if after[2] else "")
            elif after is None:
                what = f"removed {label} {before[0]:+.2f}" + (f" ({before[2]})" if before[2] else "")
            else:
                what = f"changed {label} {before[0]:.2f} → {after[0]:.2f}"
                if before[2] != after[2]:
                    what += f" ({before[2]} → {after[2]})"
            lines.append(what)
            events = source_events(
                hi.home, con_b if after is not None else con_a, member, month, component, record
            )
            new_events = [e for e in events if since < e.recorded_at <= until]
            if new_events:
                for event in new_events:
                    verb = (
                        "deleted"
                        if event.deleted
                        else ("corrected" if _has_earlier(events, event) else "new")
                    )
                    lines.append(f"    caused by: {event.words()} ({verb})")
            elif events:
                lines.append("    no source record of it was recorded between the two runs; it follows from:")
                lines += [f"    {e.words()}" for e in events[-3:]]
            elif (after or before)[1] == "rules":
                lines.append(
                    "    a rules adjustment (cap, clamp or rounding) that follows from the rows above"
                )
            else:
                lines.append("    no source record found in the event store")
        if changed == 0:
            lines.append("no ledger row differs")
        score_a = member_a["index_score"] if member_a else None
        score_b = member_b["index_score"] if member_b else None
        lines.append(
            f"index {score_a} ({member_a['grade'] if member_a else 'not scored'}) → "
            f"{score_b} ({member_b['grade'] if member_b else 'not scored'}); {changed} ledger rows differ"
        )
    return "\n".join(lines)


def _has_earlier(events: list[SourceEvent], event: SourceEvent) -> bool:
    return any(
        e.natural_key == event.natural_key and e.entity == event.entity and e.recorded_at < event.recorded_at
        for e in events
    )
