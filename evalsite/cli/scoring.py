"""``flask score`` and ``flask export-ballots``: a scoring run as JSON, the ballots as CSV.

Both check their arguments and open their output file before reading anything, write
next to the final path and move the file into place only when it is complete, so a failed
run never leaves a partial file that looks like a result. Both show a progress bar on
stderr: the export per ballot, the scoring per step (read and score, write, store).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from evalsite.cli.progress import progress_bar
from evalsite.database import utcnow
from evalsite.i18n import error_text
from evalsite.output_file import OutputFile
from evalsite.scoring_text import reason_text
from surveys.cells import csv_writer
from surveys.db import claim_write_lock
from surveys.errors import DomainError, NotFound
from surveys.models import Ballot
from surveys.scoring.display import shown
from surveys.scoring.results import to_json
from surveys.services.ballot_export import HEADER, ballot_rows
from surveys.services.scoring_runs import save_run, score_campaign

_PATH = click.Path(dir_okay=False, path_type=Path)

#: Results and anonymous ballots hold no secrets: readable like any report.
PUBLIC = 0o644


@click.command("score")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
@click.option("--json", "json_path", type=_PATH, required=True, help="Where to write the run (JSON).")
@click.option("--save", is_flag=True, help="Also store the run and its digest in the database.")
@click.option("--allow-open", is_flag=True, help="Score even if a round is still open (provisional, cannot be saved).")
@with_appcontext
def score(campaign_id: int, json_path: Path, save: bool, allow_open: bool) -> None:
    """Score campaign CAMPAIGN (its id) and write the run with its configuration and digest."""
    if save and allow_open:
        raise click.UsageError("--save and --allow-open exclude each other: a provisional run is never stored.")
    with (
        OutputFile(json_path, "--json", text=True, mode=0o644) as out,
        current_app.extensions["evalsite.sessions"]() as db,
        progress_bar(3 if save else 2, _("计分")) as bar,
    ):
        try:
            result = score_campaign(db, campaign_id, allow_open=allow_open)
        except NotFound:
            raise click.BadParameter(f"no campaign with id {campaign_id}", param_hint="CAMPAIGN") from None
        except DomainError as error:
            raise click.ClickException(error_text(error)) from None
        bar.update(1)
        json.dump(shown(to_json(result)), out.file, ensure_ascii=False, indent=2)  # as the pages show it
        out.file.write("\n")
        bar.update(1)
        db.rollback()  # end the read snapshot; the write below starts as a writer (SQLite)
        run_number = None
        if save:
            claim_write_lock(db)
            run_number = save_run(db, result, now=utcnow(), actor_id=None).number
            db.commit()
            bar.update(1)
        out.commit()
    counts = {s: sum(t.status.value == s for t in result.targets) for s in ("ranked", "vetoed", "insufficient")}
    click.echo(f"digest {result.digest}")
    click.echo(_("排名 %(ranked)d，一票否决 %(vetoed)d，数据不足 %(insufficient)d", **counts))
    for note in result.notes:
        click.echo(_("注意：%(note)s", note=reason_text(note.to_dict())))
    if result.is_provisional:
        click.echo(_("注意：仍有轮次在进行中，本次结果为临时结果。"), err=True)
    if run_number is not None:
        click.echo(_("已保存为第 %(id)d 次计分。", id=run_number))
    click.echo(f"  JSON: {json_path}")


@click.command("export-ballots")
@click.argument("round_id", metavar="ROUND", type=int)
@click.option("--csv", "csv_path", type=_PATH, required=True, help="Where to write the ballots (CSV).")
@with_appcontext
def export_ballots(round_id: int, csv_path: Path) -> None:
    """Write the anonymous ballots of closed round ROUND (its id), one row per rating, by ballot id."""
    with (
        OutputFile(csv_path, "--csv", text=True, mode=0o644) as out,
        current_app.extensions["evalsite.sessions"]() as db,
    ):
        try:
            rows = ballot_rows(db, round_id)
        except NotFound:
            raise click.BadParameter(f"no round with id {round_id}", param_hint="ROUND") from None
        except DomainError as error:
            raise click.ClickException(error_text(error)) from None
        total = db.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id))
        out.file.write("\ufeff")  # Excel on Chinese Windows reads UTF-8 only with the mark
        writer = csv_writer(out.file)
        writer.writerow(HEADER)
        ratings, ballots, last = 0, 0, None
        with progress_bar(total, _("导出评议票")) as bar:
            for row in rows:
                writer.writerow(row)
                ratings += 1
                if row[0] != last:
                    ballots, last = ballots + 1, row[0]
                    bar.update(1)
        out.commit()
    click.echo(_("已导出 %(ballots)d 张评议票的 %(ratings)d 条评分。", ballots=ballots, ratings=ratings))
    click.echo(f"  CSV: {csv_path}")


def _session():
    return current_app.extensions["evalsite.sessions"]()
