"""Meeting system (三会一课 registry, video meetings, service records), file form:
``meeting/<entity>/*.jsonl``, one record object per line, as the live API returns them.

A record version is identified by its ``updated_at``; a tombstone (``"deleted": true``)
needs only the id and ``updated_at`` and is stored as an event with ``deleted = true``.
"""

from __future__ import annotations

import re

from ingest.files import Feed, shanghai_ts
from ingest.schema import sql_set

# what DuckDB's JSON reader takes beyond RFC 8259 (trailing commas, NaN/Infinity): a line that
# may hold one is checked again by the strict parser (``ingest.store.strict_json_object``)
LENIENT = r",\s*[}\]]|NaN|Infinity"


def _text(field: str) -> str:
    return f"nullif({_string(field)}, '')"


def _string(field: str) -> str:
    """The field's value as text (``doc ->> '$.field'``); ``f_<field>`` is the field as JSON."""
    return f"(f_{field} ->> '$')"


def _feed(
    directory: str, entity: str, key: str, typed: dict[str, str], required: list[str], checks: str
) -> Feed:
    """A JSON-lines feed: ``typed`` maps each typed column to its SQL over ``doc`` (the line if a JSON object); a non-tombstone
    lacking one of ``required`` (absent, null or "") is ``missing_field``; ``checks`` adds further WHEN clauses."""
    missing = " OR ".join(f"{_text(f)} IS NULL" for f in required)
    # a text field holding an object or an array breaks the record's contract (its text would be JSON)
    texts = [name for name, sql in typed.items() if sql in (_text(name), _string(name))]
    not_text = " OR ".join(f"json_type(f_{f}) IN ('OBJECT', 'ARRAY')" for f in texts)
    columns = ", ".join(f"{sql} AS {name}" for name, sql in typed.items())
    # every field the SQL reads, extracted from the line in one JSON parse (not one per use)
    fields = sorted(
        set(re.findall(r"\bf_(\w+)", columns + missing + not_text + checks)) | {"updated_at", "deleted"}
    )
    paths = ", ".join(f"'$.{f}'" for f in fields)
    extracted = ", ".join(f"j[{i}] AS f_{f}" for i, f in enumerate(fields, 1))
    return Feed(
        source="meeting",
        entity=entity,
        pattern=f"{directory}/*.jsonl",
        columns=None,
        parse=f"""
        SELECT source_file, source_position, raw, {", ".join(typed)},
            CASE
                WHEN NOT valid OR {not_text} THEN 'bad_json'
                WHEN {key} IS NULL OR updated_text IS NULL THEN 'missing_field'
                WHEN updated_at IS NULL THEN 'bad_timestamp'
                WHEN deleted THEN NULL
                WHEN {missing} THEN 'missing_field'
                {checks}
            END AS reject_reason,
            NULL::VARCHAR AS detail,
            {key} AS natural_key,
            updated_at AS record_time,
            deleted
        FROM (SELECT source_file, source_position, raw, doc, {", ".join(f"f_{f}" for f in fields)}, {columns},
                     {_text("updated_at")} AS updated_text,
                     coalesce(json_type(f_deleted) = 'BOOLEAN' AND {_string("deleted")} = 'true', false) AS deleted,
                     doc IS NOT NULL AS valid
              FROM (SELECT *, {extracted}
                    FROM (SELECT *, json_extract(doc, [{paths}]) AS j
                          FROM (SELECT *, CASE WHEN (CASE WHEN json_valid(raw) THEN json_type(raw) END) = 'OBJECT'
                                                    AND (NOT regexp_matches(raw, '{LENIENT}') OR strict_json_object(raw))
                                               THEN raw END AS doc
                                FROM records))))
        """,
    )


def _ts(field: str) -> str:
    return shanghai_ts(_text(field))


def _bool(field: str) -> str:
    return f"CASE json_type(f_{field}) WHEN 'BOOLEAN' THEN CAST(f_{field} AS BOOLEAN) END"


def _bad_ts(*fields: str) -> str:
    return " OR ".join(f"({_text(f)} IS NOT NULL AND {f} IS NULL)" for f in fields)


def _bad_bool(*fields: str) -> str:
    return " OR ".join(f"{f} IS NULL" for f in fields)


FEEDS = [
    _feed(
        "meetings",
        "meeting",
        "meeting_id",
        {
            "meeting_id": _text("meeting_id"),
            "branch_id": _text("branch_id"),
            "party_group": _text("party_group"),
            "type": _text("type"),
            "title": _string("title"),
            "start_time": _ts("start_time"),
            "end_time": _ts("end_time"),
            "status": _text("status"),
            "due_user_ids": "CASE json_type(f_due_user_ids) WHEN 'ARRAY' THEN CAST(f_due_user_ids AS VARCHAR[]) END",
            "updated_at": _ts("updated_at"),
        },
        ["branch_id", "type", "start_time", "end_time", "status", "due_user_ids"],
        f"""WHEN type NOT IN {sql_set("meeting", "meeting", "type")}
                      OR status NOT IN {sql_set("meeting", "meeting", "status")} THEN 'bad_enum'
                 WHEN due_user_ids IS NULL THEN 'missing_field'
                 WHEN {_bad_ts("start_time", "end_time")} THEN 'bad_timestamp'
                 WHEN end_time < start_time THEN 'end_before_start'""",
    ),
    _feed(
        "attendance",
        "attendance",
        "record_id",
        {
            "record_id": _text("record_id"),
            "meeting_id": _text("meeting_id"),
            "user_id": _text("user_id"),
            "mode": _text("mode"),
            "join_time": _ts("join_time"),
            "leave_time": _ts("leave_time"),
            "updated_at": _ts("updated_at"),
        },
        ["meeting_id", "user_id", "mode", "join_time"],
        f"""WHEN mode NOT IN {sql_set("meeting", "attendance", "mode")} THEN 'bad_enum'
                 WHEN mode = 'online' AND {_text("leave_time")} IS NULL THEN 'missing_field'
                 WHEN {_bad_ts("join_time", "leave_time")} THEN 'bad_timestamp'
                 WHEN leave_time < join_time THEN 'end_before_start'""",
    ),
    _feed(
        "leaves",
        "leave",
        "leave_id",
        {
            "leave_id": _text("leave_id"),
            "meeting_id": _text("meeting_id"),
            "user_id": _text("user_id"),
            "reason": _string("reason"),
            "approved": _bool("approved"),
            "updated_at": _ts("updated_at"),
        },
        ["meeting_id", "user_id", "approved"],
        f"WHEN {_bad_bool('approved')} THEN 'bad_enum'",
    ),
    _feed(
        "service-records",
        "service_record",
        "record_id",
        {
            "record_id": _text("record_id"),
            "user_id": _text("user_id"),
            "kind": _text("kind"),
            "grid_id": _text("grid_id"),
            "start_time": _ts("start_time"),
            "end_time": _ts("end_time"),
            "verified": _bool("verified"),
            "description": _string("description"),
            "updated_at": _ts("updated_at"),
        },
        ["user_id", "kind", "start_time", "end_time", "verified"],
        f"""WHEN kind NOT IN {sql_set("meeting", "service_record", "kind")} OR {_bad_bool("verified")}
                     THEN 'bad_enum'
                 WHEN {_bad_ts("start_time", "end_time")} THEN 'bad_timestamp'
                 WHEN end_time < start_time THEN 'end_before_start'""",
    ),
]
