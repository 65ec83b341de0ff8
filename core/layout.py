"""The layout of a home: every path under ``HOME``, in one place.

A home holds everything the pipeline keeps (docs/outputs.md, "Home"). No other module spells a
folder or file name under the home: they ask ``settings.layout`` (or ``Home(path)``)::

    HOME/
      .lock, .lock-<source>, .gx.lock        writer locks (core.home)
      .source-gate-*/                        a source gate's spill folder while it validates
      events/<source>/<entity>/*.parquet     the append-only event store (ingest/store.py)
      events/_files/, _watermarks/           ledger of loaded files; live connectors' watermarks
      events/_batches/                       batch reservations and commit markers
      events/_holds/                         held deliveries' ledger (ingest/holds.py)
      events/_duplicates/, _nonconforming/   what `pioneer doctor` set aside (kept for audit)
      quarantine/<source>/*.parquet          rows that failed parsing, with their reason
      rules/<sha256>/rules.csv               every rules file a run validated, as it was
      dbt/project/, dbt/target/              the home's build project (code linked) and dbt output
      work/warehouse.duckdb                  the transform's warehouse: every model, built in place
      work/published.json                    what it was last built from, once published (else absent)
      build/warehouse.duckdb                 the candidate warehouse a build assembles from it
      warehouse.duckdb                       the published warehouse (analysts open it read-only)
      gx/                                    Great Expectations' project: results and Data Docs
      runs/run_*.json                        one record per run
      exports/hr/, notice/, alerts/          what leaves: HR exports, notices, daily alerts
      exports/_staging/, failures/           exports being written; gate failure reports
      exports/deliveries.jsonl               the HR delivery ledger (alerts keep theirs in alerts/)
      docs/, reports/, statements/           dbt docs, the office's report, members' statements
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SOURCE_GATE_SCRATCH = ".source-gate-"  # prefix of a source gate's spill folder, HOME/.source-gate-*


@dataclass(frozen=True)
class Home:
    """Paths of the home rooted at ``root`` (nothing is created or read here)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    # locks
    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    def source_lock(self, source: str) -> Path:
        return self.root / f".lock-{source}"

    @property
    def gx_lock(self) -> Path:
        return self.root / ".gx.lock"

    # the event store
    @property
    def events(self) -> Path:
        return self.root / "events"

    def entity(self, source: str, entity: str) -> Path:
        return self.events / source / entity

    def event_glob(self, source: str, entity: str = "*") -> Path:
        """The Parquet files of one entity of ``source`` (every entity: ``entity="*"``)."""
        return self.events / source / entity / "*.parquet"

    @property
    def store_format(self) -> Path:
        """The event store's format version (``ingest.schema.STORE_FORMAT``), one line of text."""
        return self.events / "_format"

    @property
    def files_ledger(self) -> Path:
        """Ledger of loaded files (sha256 → batch), one Parquet file per batch."""
        return self.events / "_files"

    @property
    def watermarks(self) -> Path:
        return self.events / "_watermarks"

    @property
    def batches(self) -> Path:
        return self.events / "_batches"

    @property
    def holds(self) -> Path:
        return self.events / "_holds"

    def duplicates(self, source: str, entity: str) -> Path:
        return self.events / "_duplicates" / source / entity

    def nonconforming(self, source: str, entity: str) -> Path:
        return self.events / "_nonconforming" / source / entity

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    # the build
    @property
    def kept_rules(self) -> Path:
        return self.root / "rules"

    def rules(self, digest: str) -> Path:
        """The rules file of sha256 ``digest`` as a run validated it: ``<this>/rules.csv``."""
        return self.kept_rules / digest

    @property
    def store(self) -> tuple[Path, Path]:
        """What of a home the event store is (a replay's view holds it; never runs/, exports/, ...)."""
        return self.events, self.quarantine

    @property
    def dbt(self) -> Path:
        return self.root / "dbt"

    @property
    def dbt_project(self) -> Path:
        return self.dbt / "project"

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder of the home's builds (manifest, run results)."""
        return self.dbt / "target"

    @property
    def dbt_log(self) -> Path:
        return self.dbt / "last_output.log"

    @property
    def work_warehouse(self) -> Path:
        """The transform's own warehouse: every dbt model, updated in place by each build; only a
        build (under the home's lock) opens it. Named like the published file so that both have
        the catalog name ``warehouse``."""
        return self.root / "work" / "warehouse.duckdb"

    @property
    def work_published(self) -> Path:
        """The inputs of the build that the work warehouse holds, present only while that build is
        the published one (pioneer/transform.py: absent, the next build starts from scratch)."""
        return self.root / "work" / "published.json"

    @property
    def candidate_inputs(self) -> Path:
        """The inputs of the candidate's build, moved to :attr:`work_published` on publishing."""
        return self.root / "build" / "inputs.json"

    @property
    def candidate(self) -> Path:
        return self.root / "build" / "warehouse.duckdb"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def gx_site(self) -> Path:
        """GX's default local Data Docs site (GX's project root is the home itself)."""
        return self.root / "gx" / "uncommitted" / "data_docs" / "local_site"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    # what leaves
    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def hr(self) -> Path:
        return self.exports / "hr"

    @property
    def hr_readme(self) -> Path:
        return self.hr / "README_HR.md"

    @property
    def notice(self) -> Path:
        return self.exports / "notice"

    @property
    def alerts(self) -> Path:
        return self.exports / "alerts"

    @property
    def export_staging(self) -> Path:
        return self.exports / "_staging"

    @property
    def export_failures(self) -> Path:
        return self.exports / "failures"

    @property
    def hr_deliveries(self) -> Path:
        return self.exports / "deliveries.jsonl"

    @property
    def alert_deliveries(self) -> Path:
        return self.alerts / "deliveries.jsonl"

    # for people
    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def docs_site(self) -> Path:
        """The dbt catalogue ``pioneer docs`` generates (dbt's target folder of the docs build)."""
        return self.docs / "target"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def statements(self) -> Path:
        return self.root / "statements"
