"""The event store's contract: layout under ``HOME`` and the Arrow schema of every entity.

Layout (all files immutable once written; a file appears by atomic rename)::

    HOME/events/<source>/<entity>/<batch_id>.parquet   events of one batch and entity
    HOME/events/<source>/<entity>/_empty.parquet       zero-row file so readers' globs never fail
    HOME/events/_files/<batch_id>.parquet               ledger of loaded files (sha256 → batch)
    HOME/events/_watermarks/<batch_id>-<entity>.parquet live connectors' watermarks
    HOME/events/_batches/<batch_id>.started             batch id reservation (atomic create)
    HOME/events/_batches/<batch_id>.json                batch summary, written last
    HOME/events/_format                                 the store's format (STORE_FORMAT)
    HOME/events/_holds/<stamp>-<source>-<state>-<n>.parquet held deliveries' ledger (ingest/holds.py)
    HOME/quarantine/<source>/<batch_id>.parquet         rejected rows (final reasons)

``_files``, ``_watermarks``, ``_holds`` and every ``quarantine/<source>`` also hold an ``_empty.parquet``.
Batch ids are ``<run clock YYYYmmddTHHMMSS>-<source>-<nnn>``.

``natural_key`` per entity (parts joined by ``|``): roster/member member_id, roster/branch
branch_id, roster/snapshot the snapshot date; meeting/* the record id; learning/points
``person_key|points_date``; learning/course ``person_key|course_id|course_kind|course_date``;
performance/kpi ``employee_no|period``; admin/item item_id; appeals/appeal appeal_id. A roster ``left`` event has no
line of its own: ``source_position`` 0 and ``raw`` NULL, ``source_file`` the snapshot lacking
the person. Events re-derived for a stored snapshot (after a late one) point at the line that
last delivered those attributes.

Every event row has the envelope columns followed by the entity's typed columns.
Timestamps and dates are Asia/Shanghai local time (naive); ``recorded_at`` is the
run's clock (``--now``), also Shanghai local. ``raw`` is the record exactly as
delivered (a JSON line, or a CSV record with any line breaks inside its quotes); it is the only place a phone number may
appear in clear: typed columns carry ``person_key`` = HMAC-SHA256(phone_key, phone).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from core.vocabulary import load_vocabulary
from ingest.sources import SOURCES as SOURCES  # re-exported: the one list lives there

# Timestamp sanity, one definition for ingest (a record outside it is quarantined as
# ``out_of_range``) and the source gates (which then never see one): no source record is older
# than TIME_MIN, and none was made more than FUTURE_SLACK after the run's clock. Per entity, the
# typed times bounded so besides ``record_time`` (True: also above; False: below only, e.g. a
# meeting scheduled ahead).
TIME_MIN = dt.datetime(2000, 1, 1)
FUTURE_SLACK = dt.timedelta(days=1)
BOUNDED_TIMES: dict[tuple[str, str], dict[str, bool]] = {
    ("meeting", "meeting"): {"start_time": False},
    ("meeting", "attendance"): {"join_time": True},
    ("meeting", "service_record"): {"start_time": True},
}


# An accepted appeal grants at most this many points either way (docs/sources.md, "Appeals"): a
# contract bound of the feed like the KPI range, not a scoring constant.
APPEAL_POINTS_MAX = 100

# The event store's format, kept in the home (``core.layout.Home.store_format``): 1 (no file), event
# ids sha256 hex of ``source|entity|natural_key|record_time|deleted|typed columns``; 2, event ids
# md5 hex of ``source|entity|deleted|typed columns`` (ingest.files.event_id). Code of one format
# refuses a home of an older one until ``pioneer migrate`` (ingest/migrate.py) has rewritten it.
STORE_FORMAT = 2

ENVELOPE = [
    pa.field(
        "event_id", pa.string(), nullable=False
    ),  # md5 hex of the canonical version (ingest.files.event_id)
    pa.field("source", pa.string(), nullable=False),
    pa.field("entity", pa.string(), nullable=False),
    pa.field("natural_key", pa.string(), nullable=False),
    pa.field("record_time", pa.timestamp("us")),  # updated_at / approved_at / file date (Shanghai)
    pa.field("recorded_at", pa.timestamp("us"), nullable=False),  # the run's clock (Shanghai)
    pa.field("batch_id", pa.string(), nullable=False),
    pa.field("source_file", pa.string(), nullable=False),  # file name, or api:<entity>:<page>
    pa.field("source_position", pa.int64(), nullable=False),  # 1-based line (header = 1) or record index
    pa.field("deleted", pa.bool_(), nullable=False),  # tombstone
    pa.field("raw", pa.string()),
]

_ts = pa.timestamp("us")
_dec = pa.decimal128(12, 2)

ENTITIES: dict[tuple[str, str], list[pa.Field]] = {
    # roster: events derived from consecutive snapshots, effective on the snapshot date
    ("roster", "snapshot"): [
        pa.field("snapshot_date", pa.date32()),
        pa.field("persons", pa.int64()),
    ],
    ("roster", "member"): [
        pa.field("member_id", pa.string()),
        pa.field("effective_date", pa.date32()),
        pa.field("change_kind", pa.string()),  # joined, status_changed, transferred, changed, left
        pa.field("present", pa.bool_()),  # false: absent from the snapshot of effective_date
        pa.field("employee_no", pa.string()),
        pa.field("name", pa.string()),
        pa.field("gender", pa.string()),
        pa.field("person_key", pa.string()),  # keyed hash of phone
        pa.field("branch_id", pa.string()),
        pa.field("party_group", pa.string()),
        pa.field("status", pa.string()),
        pa.field("status_since", pa.date32()),
    ],
    ("roster", "branch"): [
        pa.field("branch_id", pa.string()),
        pa.field("effective_date", pa.date32()),
        pa.field("present", pa.bool_()),
        pa.field("branch_name", pa.string()),
        pa.field("department_id", pa.string()),
        pa.field("department_name", pa.string()),
    ],
    ("meeting", "meeting"): [
        pa.field("meeting_id", pa.string()),
        pa.field("branch_id", pa.string()),
        pa.field("party_group", pa.string()),
        pa.field("type", pa.string()),
        pa.field("title", pa.string()),
        pa.field("start_time", _ts),
        pa.field("end_time", _ts),
        pa.field("status", pa.string()),
        pa.field("due_user_ids", pa.list_(pa.string())),
        pa.field("updated_at", _ts),
    ],
    ("meeting", "attendance"): [
        pa.field("record_id", pa.string()),
        pa.field("meeting_id", pa.string()),
        pa.field("user_id", pa.string()),
        pa.field("mode", pa.string()),
        pa.field("join_time", _ts),
        pa.field("leave_time", _ts),
        pa.field("updated_at", _ts),
    ],
    ("meeting", "leave"): [
        pa.field("leave_id", pa.string()),
        pa.field("meeting_id", pa.string()),
        pa.field("user_id", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("approved", pa.bool_()),
        pa.field("updated_at", _ts),
    ],
    ("meeting", "service_record"): [
        pa.field("record_id", pa.string()),
        pa.field("user_id", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("grid_id", pa.string()),
        pa.field("start_time", _ts),
        pa.field("end_time", _ts),
        pa.field("verified", pa.bool_()),
        pa.field("description", pa.string()),
        pa.field("updated_at", _ts),
    ],
    ("learning", "points"): [
        pa.field("person_key", pa.string()),
        pa.field("points_date", pa.date32()),
        pa.field("points", _dec),
        pa.field("cumulative_points", _dec),
        pa.field("export_date", pa.date32()),
    ],
    ("learning", "course"): [
        pa.field("person_key", pa.string()),
        pa.field("course_id", pa.string()),
        pa.field("course_name", pa.string()),
        pa.field("course_kind", pa.string()),  # completed (完成) or lectured (授课)
        pa.field("course_date", pa.date32()),
        pa.field("export_date", pa.date32()),
    ],
    ("performance", "kpi"): [
        pa.field("employee_no", pa.string()),
        pa.field("period", pa.string()),  # YYYY-MM
        pa.field("kpi_score", _dec),
        pa.field("rating", pa.string()),
        pa.field("updated_at", _ts),
    ],
    ("admin", "item"): [
        pa.field("item_id", pa.string()),
        pa.field("employee_no", pa.string()),
        pa.field("month", pa.string()),  # YYYY-MM
        pa.field("kind", pa.string()),  # bonus, deduction, veto
        pa.field("points", _dec),
        pa.field("reason", pa.string()),
        pa.field("approved_by", pa.string()),
        pa.field("approved_at", _ts),
        pa.field("status", pa.string()),  # approved, revoked
    ],
    ("appeals", "appeal"): [
        pa.field("appeal_id", pa.string()),
        pa.field("employee_no", pa.string()),
        pa.field("month", pa.string()),  # YYYY-MM
        pa.field(
            "component", pa.string()
        ),  # org_life, learning, performance, pioneer_role, bonus, deduction, other
        pa.field("points", _dec),  # signed; required when accepted
        pa.field("reason", pa.string()),
        pa.field("status", pa.string()),  # submitted, accepted, rejected, withdrawn
        pa.field("decided_by", pa.string()),
        pa.field("decided_at", _ts),
        pa.field("updated_at", _ts),
    ],
}

# The enumerations of docs/sources.md, keyed by (source, entity, column) of the typed columns. Ingest
# quarantines other values as bad_enum; the source gates check stored events against the same sets.
ENUMS: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("roster", "member", "status"): tuple(load_vocabulary().status_names),  # vocabulary seeds
    ("roster", "member", "gender"): ("M", "F"),
    ("roster", "member", "change_kind"): ("joined", "status_changed", "transferred", "changed", "left"),
    ("meeting", "meeting", "type"): tuple(load_vocabulary().meeting_type_names),
    ("meeting", "meeting", "status"): ("scheduled", "held", "cancelled"),
    ("meeting", "attendance", "mode"): ("online", "onsite"),
    ("meeting", "service_record", "kind"): ("service_team", "commando", "red_grid", "volunteer"),
    ("learning", "course", "course_kind"): ("completed", "lectured"),
    ("performance", "kpi", "rating"): ("A", "B", "C", "D"),
    ("admin", "item", "kind"): ("bonus", "deduction", "veto"),
    ("admin", "item", "status"): ("approved", "revoked"),
    ("appeals", "appeal", "component"): (
        "org_life",
        "learning",
        "performance",
        "pioneer_role",
        "bonus",
        "deduction",
        "other",
    ),
    ("appeals", "appeal", "status"): ("submitted", "accepted", "rejected", "withdrawn"),
}


def sql_text(value: object) -> str:
    """``value`` (a path, a glob, a name) as a SQL string literal, quotes doubled: for the few
    statements that take no bound parameter (COPY ... TO, views); elsewhere pass ``?``."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_set(source: str, entity: str, column: str) -> str:
    """An enumeration as a SQL list literal, e.g. ``('online', 'onsite')``."""
    return "(" + ", ".join(f"'{v}'" for v in ENUMS[(source, entity, column)]) + ")"


QUARANTINE = pa.schema(
    [
        pa.field("batch_id", pa.string(), nullable=False),
        pa.field("recorded_at", pa.timestamp("us"), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("entity", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_position", pa.int64(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("raw", pa.string()),
    ]
)

QUARANTINE_REASONS = (
    "bad_json",
    "missing_field",
    "bad_enum",
    "bad_timestamp",
    "bad_date",
    "bad_number",
    "out_of_range",
    "end_before_start",
    "negative_points",
    "unknown_person",
    "ambiguous_person",
    "unknown_meeting",
)
# evaluated again on every run (by the dbt models), never stored as final
REFERENCE_REASONS = ("unknown_person", "ambiguous_person", "unknown_meeting")

FILES_LEDGER = pa.schema(
    [
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("file_name", pa.string(), nullable=False),
        pa.field("batch_id", pa.string(), nullable=False),
        pa.field("recorded_at", pa.timestamp("us"), nullable=False),
        pa.field("rows", pa.int64()),  # records read (data rows; lines of a JSON-lines file)
        pa.field("entity", pa.string()),  # the feed's entity (absent in ledgers written before it)
    ]
)

WATERMARKS = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("entity", pa.string(), nullable=False),
        pa.field("watermark", pa.string(), nullable=False),  # opaque per connector (ISO time)
        pa.field("batch_id", pa.string(), nullable=False),
        pa.field("recorded_at", pa.timestamp("us"), nullable=False),
    ]
)

# Held deliveries (ingest/holds.py): one row per decision about one batch; the latest row of a
# batch (recorded_at, a decision before a hold at the same instant) is its state. Batches whose
# state is ``held`` or ``replaced`` are not read by the models, the roster derivation or the mirror.
HOLD_STATES = ("held", "accepted", "replaced")
HOLDS = pa.schema(
    [
        pa.field("batch_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("entity", pa.string(), nullable=False),  # the delivery's entity (the feed's)
        pa.field("files", pa.list_(pa.string())),  # the batch's files (file names, or api:/sql: pages)
        pa.field("state", pa.string(), nullable=False),  # held, accepted, replaced
        pa.field("reason", pa.string()),  # the gate message (held), or why it was released
        pa.field("recorded_at", pa.timestamp("us"), nullable=False),  # the clock of the decision (Shanghai)
        pa.field("by", pa.string()),  # source gate, the operator who accepted, the replacing batches
    ]
)


def entity_schema(source: str, entity: str) -> pa.Schema:
    """Envelope + typed columns of one entity."""
    return pa.schema(ENVELOPE + ENTITIES[(source, entity)])


def duckdb_type(arrow_type: pa.DataType) -> str:
    """The DuckDB type that stores ``arrow_type`` in the event store's parquet files."""
    if pa.types.is_list(arrow_type):
        return duckdb_type(arrow_type.value_type) + "[]"
    if pa.types.is_decimal(arrow_type):
        return f"DECIMAL({arrow_type.precision},{arrow_type.scale})"  # as DuckDB names it
    simple = {
        pa.string(): "VARCHAR", pa.timestamp("us"): "TIMESTAMP", pa.date32(): "DATE", pa.bool_(): "BOOLEAN",
        pa.int64(): "BIGINT", pa.int32(): "INTEGER", pa.float64(): "DOUBLE",
    }  # fmt: skip
    return simple[arrow_type]


def typed_columns(schema: pa.Schema, alias: str = "b") -> str:
    """SQL select list of ``schema``'s columns from ``alias``, each cast to its declared type:
    what the store writes is typed exactly as declared (a value that does not convert is an ingest
    defect and fails the write before anything is stored)."""
    return ", ".join(f'CAST({alias}."{f.name}" AS {duckdb_type(f.type)}) AS "{f.name}"' for f in schema)
