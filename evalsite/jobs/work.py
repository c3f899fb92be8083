"""What each kind of job does. Every function reads what ``params`` names, writes its file
to ``out`` (kinds with an extension) and reports progress; a refusal raises a DomainError,
whose message the job's page shows in words. Only the scoring job writes to the database.

Each takes the session, the params, and keyword arguments ``owner_id``, ``out`` and
``progress`` (called with steps done and steps in all), and returns a ``Produced``.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select

from evalsite.database import utcnow
from evalsite.keys import code_keys
from surveys.batch_prints import batch_slips, slips_title, unit_batches_title, unit_sections
from surveys.db import claim_write_lock
from surveys.errors import Conflict, NotFound
from surveys.i18n import N_
from surveys.models import (
    Ballot,
    BatchScope,
    Campaign,
    CodeBatch,
    JobKind,
    ProblemSource,
    ProblemState,
    ScoringRun,
    Terminal,
)
from surveys.printing import render_sections, render_slips
from surveys.reports.facts import run_facts, turnout_rows
from surveys.reports.pdf_report import build_pdf
from surveys.reports.workbook import build_workbook
from surveys.scoring.display import shown
from surveys.services import issuing
from surveys.services.ballot_export import ballot_rows
from surveys.services.ledger import Filters
from surveys.services.ledger_export import ledger_workbook
from surveys.services.lookup import get
from surveys.services.scoring_runs import save_run, score_campaign


@dataclass(frozen=True)
class Produced:
    download_name: str | None = None  #: the name the file downloads as
    ascii_name: str | None = None  #: the same for clients that cannot take a Chinese name
    result_id: int | None = None  #: what the work stored (a scoring run's id)
    has_written: bool = False  #: the session holds the work's writes, to commit with the done mark


def print_slips(db, params: dict, *, owner_id, out, progress) -> Produced:
    """A batch's code slips as one PDF, whatever its size (8 slips an A4 page); with
    ``batch_ids``, the batches of one "每个单位一批" instead (`print_unit_slips`)."""
    if "batch_ids" in params:
        return print_unit_slips(db, params, owner_id=owner_id, out=out, progress=progress)
    batch = printable_batch(db, params["batch_id"])
    progress(0, batch.size)
    slips = batch_slips(batch, issuing.batch_codes(batch, code_keys()), current_app.config["PUBLIC_BASE_URL"])
    render_slips(slips, out, title=slips_title(batch, gettext), progress=lambda done: progress(done, batch.size))
    current_app.logger.info("batch %d printed by user %s (job)", batch.id, owner_id)
    name = f"batch-{batch.id}-slips.pdf"
    return Produced(download_name=name, ascii_name=name)


def print_unit_slips(db, params: dict, *, owner_id, out, progress) -> Produced:
    """The slips of per-unit batches as one PDF, a separator page before each unit."""
    batches = printable_unit_batches(db, params["round_id"], params["batch_ids"])
    total = sum(batch.size for batch in batches)
    progress(0, total)
    keys, base_url = code_keys(), current_app.config["PUBLIC_BASE_URL"]
    sections = unit_sections(batches, lambda batch: issuing.batch_codes(batch, keys), base_url, gettext)
    render_sections(
        sections, out, title=unit_batches_title(batches, gettext), progress=lambda done: progress(done, total)
    )
    current_app.logger.info("batches %s printed by user %s (job)", ",".join(str(b.id) for b in batches), owner_id)
    name = f"round-{params['round_id']}-units.pdf"
    return Produced(download_name=name, ascii_name=name)


#: Batches one per-unit print may name: more units than any installation has.
MAX_UNIT_BATCHES = 1000


def printable_unit_batches(db, round_id: int, batch_ids: list[int]) -> list[CodeBatch]:
    """The printable unit batches of the round with these ids, in that order; any other
    (none, too many, repeated, another round's, not a unit's) is not found."""
    if not 1 <= len(batch_ids) <= MAX_UNIT_BATCHES or len(set(batch_ids)) != len(batch_ids):
        raise NotFound(N_("评议码批次不存在"))
    batches = [printable_batch(db, batch_id) for batch_id in batch_ids]
    if any(batch.round_id != round_id or batch.scope is not BatchScope.UNIT for batch in batches):
        raise NotFound(N_("评议码批次不存在"))
    return batches


def printable_batch(db, batch_id: int) -> CodeBatch:
    """A batch whose slips may be printed: it exists, is not void, and is not a terminal's."""
    batch = db.get(CodeBatch, batch_id)
    if batch is None:
        raise NotFound(N_("评议码批次不存在"))
    if batch.is_void:
        raise Conflict(N_("该批评议码已作废"))
    if db.scalar(select(Terminal.id).where(Terminal.batch_id == batch.id)) is not None:
        raise Conflict(N_("终端的评议码逐个发放，不能打印"))
    return batch


def score(db, params: dict, *, owner_id, out, progress) -> Produced:
    """Score a campaign from one snapshot and store the run (its writes commit with the job)."""
    progress(0, 2)
    result = score_campaign(db, params["campaign_id"])
    progress(1, 2)
    db.rollback()  # end the snapshot; the write starts as a writer (SQLite)
    claim_write_lock(db)
    run = save_run(db, result, now=utcnow(), actor_id=owner_id)
    return Produced(result_id=run.id, has_written=True)


def results_xlsx(db, params: dict, *, owner_id, out, progress) -> Produced:
    """A scoring run as a workbook: ranking, breakdown, item scores, levels, turnout."""
    run = get(db, ScoringRun, params["run_id"])
    progress(0, 2)
    facts = run_facts(db, run, current_app.config["TIMEZONE"])
    out.write(build_workbook(facts, shown(run.result), turnout_rows(db, run.campaign_id)))
    return Produced(*facts.filename("xlsx"))


def results_pdf(db, params: dict, *, owner_id, out, progress) -> Produced:
    """A scoring run as a printable report."""
    run = get(db, ScoringRun, params["run_id"])
    progress(0, 2)
    facts = run_facts(db, run, current_app.config["TIMEZONE"])
    out.write(build_pdf(facts, shown(run.result)))
    return Produced(*facts.filename("pdf"))


def ballots_csv(db, params: dict, *, owner_id, out, progress) -> Produced:
    """The anonymous ballots of closed rounds, one row per rating, sorted by ballot id."""
    from evalsite.views.reports import csv_chunks

    campaign = get(db, Campaign, params["campaign_id"])
    round_ids = params["round_ids"]
    total = db.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id.in_(round_ids))) or 0
    rows = heapq.merge(*(ballot_rows(db, round_id) for round_id in round_ids), key=lambda row: row[0])
    seen, last = 0, None

    def counted(rows):
        nonlocal seen, last
        for row in rows:
            if row[0] != last:
                seen, last = seen + 1, row[0]
                if seen % 500 == 0:
                    progress(seen, total)
            yield row

    progress(0, total)
    for chunk in csv_chunks(counted(rows)):
        out.write(chunk.encode("utf-8"))
    return Produced(f"{campaign.name}-评议票.csv", f"campaign-{campaign.id}-ballots.csv")


def ledger_xlsx(db, params: dict, *, owner_id, out, progress) -> Produced:
    """The campaign's ledger, as filtered on its page, as a workbook."""
    campaign = get(db, Campaign, params["campaign_id"])
    zone = current_app.config["TIMEZONE"]
    today = datetime.fromisoformat(params["today"]).date()
    progress(0, 1)
    out.write(ledger_workbook(db, campaign.id, today=today, zone=zone, filters=ledger_filters(params["filters"])))
    return Produced(
        f"{campaign.name}-整改台账-{today:%Y%m%d}.xlsx", f"campaign-{campaign.id}-ledger-{today:%Y%m%d}.xlsx"
    )


def ledger_filters(values: dict) -> Filters:
    """The ledger's filters from the plain values a job keeps."""
    return Filters(
        state=ProblemState(values["state"]) if values.get("state") else None,
        source=ProblemSource(values["source"]) if values.get("source") else None,
        unit_id=values.get("unit_id"),
        is_overdue=bool(values.get("is_overdue")),
    )


def today_in(zone: str) -> str:
    return datetime.now(ZoneInfo(zone)).date().isoformat()


#: Each kind's work and the extension of its file (None: it stores its result instead).
KINDS = {
    JobKind.SLIPS_PDF: (print_slips, "pdf"),
    JobKind.SCORING: (score, None),
    JobKind.RESULTS_XLSX: (results_xlsx, "xlsx"),
    JobKind.RESULTS_PDF: (results_pdf, "pdf"),
    JobKind.BALLOTS_CSV: (ballots_csv, "csv"),
    JobKind.LEDGER_XLSX: (ledger_xlsx, "xlsx"),
}
