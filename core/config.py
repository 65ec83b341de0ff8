"""One configuration object, loaded once from flags, ``PIONEER_*`` environment and defaults.

No other module reads the environment: they receive a :class:`Settings`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.layout import Home
from core.rules import SHIPPED_RULES

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Settings(BaseSettings):
    """Pipeline configuration. Every field can be set as ``PIONEER_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="PIONEER_", extra="ignore")

    home: Path = Field(Path("data/state"), description="Everything the pipeline keeps lives here.")
    sources: Path = Field(Path("data/landing"), description="Landing directory of source extracts.")
    now: dt.datetime | None = Field(None, description="The pipeline's clock (default: real time).")
    phone_key: str = Field(
        "pioneer-demo-phone-key",
        description="Key of the keyed hash (HMAC-SHA256) that replaces phone numbers past ingestion.",
        repr=False,
    )
    # live connectors (optional; file form is used when unset)
    meeting_api_url: str | None = Field(None, description="Base URL of the meeting system API.")
    meeting_api_token: str | None = Field(
        None, description="Bearer token of the meeting system API.", repr=False
    )
    performance_db_url: str | None = Field(
        None, description="SQLAlchemy URL of the performance DB (may hold a password).", repr=False
    )
    performance_overlap_minutes: int = Field(60, description="Overlap window of incremental KPI reads.")
    hr_endpoint_url: str | None = Field(None, description="Optional HR endpoint receiving each export.")
    hr_endpoint_token: str | None = Field(None, description="Bearer token of the HR endpoint.", repr=False)
    alert_endpoint_url: str | None = Field(
        None, description="Optional alert endpoint receiving each run's alert file (动态预警)."
    )
    alert_endpoint_token: str | None = Field(
        None, description="Bearer token of the alert endpoint.", repr=False
    )
    rules_file: Path = Field(
        SHIPPED_RULES,
        description="The rules file (docs/scoring.md): one CSV row per rule version; default: the shipped one.",
    )
    export_from: str | None = Field(None, description="First month (YYYY-MM) ever exported; unset = all.")
    # Overrides of the rules seed (dbt_project/seeds/rules.csv), which holds the defaults.
    min_kpi_coverage: float | None = Field(
        None, ge=0, le=1, description="Export gate: share of scored members with a KPI (default: rules)."
    )
    export_day: int | None = Field(
        None, ge=1, le=28, description="Day of M+1 from which month M is exported (default: rules)."
    )
    # source gates (operational thresholds, not scoring rules)
    gate_min_rows: int = Field(
        20,
        ge=0,
        description="Source gate: a delivery is broken only when at least this many of its rows were "
        "quarantined (and more than max_quarantine_rate of them); fewer bad rows are a warning.",
    )
    max_quarantine_rate: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Source gate: a delivery is broken only when more than this share of its rows was "
        "quarantined (and at least gate_min_rows of them); a smaller share is a warning.",
    )
    min_volume_ratio: float = Field(
        0.25,
        ge=0,
        description="Source gate: rows per file of a feed below this share of its recent files' is a warning.",
    )
    max_volume_ratio: float = Field(
        10,
        ge=0,
        description="Source gate: rows per file of a feed above this multiple of its recent files' is a warning.",
    )
    lock_wait_seconds: float = Field(
        0,
        ge=0,
        description="How long a writer waits for a home another run holds before it exits 2.",
    )
    kill_at: str | None = Field(
        None,
        description="Test hook: the run kills itself (SIGKILL) at this crash point "
        "(core.home.crash_point), so that tests can prove recovery at every stage boundary.",
    )
    duckdb_memory_limit: str = Field(
        "3GB", description="Memory limit of the dbt build's DuckDB (spills past it)."
    )
    dbt_target: str = Field("duckdb", description="dbt target: duckdb (default) or postgres.")
    export_group: str | None = Field(
        None,
        description="Group that may read the published HR exports (files 0640, folders 0750); "
        "unset: the exports are private like the rest of the home.",
    )
    warehouse_group: str | None = Field(
        None, description="Group that may open the published warehouse read-only (0640; analysts)."
    )

    @field_validator("export_group", "warehouse_group")
    @classmethod
    def _known_group(cls, group: str | None) -> str | None:
        if group:
            import grp

            try:
                grp.getgrnam(group)
            except KeyError:
                raise ValueError(f"no such group: {group}") from None
        return group or None

    @field_validator("home", "sources", "rules_file")
    @classmethod
    def _absolute(cls, path: Path) -> Path:
        """Paths are resolved once, here: a relative ``--home`` means its absolute path everywhere
        (dbt runs in its project directory, Airflow tasks in their own working directories)."""
        return path.expanduser().resolve()

    @model_validator(mode="after")
    def _fix_clock(self) -> Settings:
        """One clock per run: read once, when the configuration is made (``--now``, or the real
        time), as an aware Asia/Shanghai datetime; every stage of the run reads this same instant."""
        self.now = _shanghai(self.now or dt.datetime.now(dt.UTC))
        return self

    @property
    def layout(self) -> Home:
        """The paths of this configuration's home (``core.layout``)."""
        return Home(self.home)

    def clock(self) -> dt.datetime:
        """The run's clock: the instant fixed when this configuration was made (``_fix_clock``),
        never the wall clock of the moment it is asked."""
        return _shanghai(self.now)  # a model_copy(update=...) is not validated again


def _shanghai(now: dt.datetime) -> dt.datetime:
    """An aware datetime in Asia/Shanghai; a naive one is Shanghai local time."""
    return (now if now.tzinfo else now.replace(tzinfo=SHANGHAI)).astimezone(SHANGHAI)
