"""``flask issue-codes``: issue a batch of codes and print its slips (PDF) and list (CSV).

Every argument is checked, and the output files are opened, before anything is written to
the database. The batch is then committed at once and the files are written after it: a
PDF of many thousand slips takes minutes, and holding the write transaction that long
would lock every ballot out of an SQLite database. If writing fails after the commit, the
batch is voided (nobody has seen its codes) and no partial file is left behind; the codes
are derived, so a good batch can always be printed again from its page.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from evalsite.cli.progress import progress_bar
from evalsite.database import utcnow
from evalsite.i18n import error_text
from evalsite.keys import code_keys
from evalsite.output_file import OutputFile
from surveys.batch_prints import batch_slips, slips_title, write_codes_csv
from surveys.db import claim_write_lock
from surveys.errors import DomainError
from surveys.models import RaterGroup, Round, Target, Unit
from surveys.printing import register_fonts, render_slips
from surveys.services import issuing

_PATH = click.Path(dir_okay=False, path_type=Path)


@click.command("issue-codes")
@click.argument("round_id", metavar="ROUND", type=int)
@click.option("--group", "group_name", required=True, help="Rater group (评议主体) name within the round.")
@click.option("--count", type=click.IntRange(1, issuing.MAX_BATCH), required=True, help="How many codes.")
@click.option("--target", "target_code", help="Bind every code to the target with this code (编号).")
@click.option("--unit", "unit_name", help="Codes rate only the targets of the unit with this name.")
@click.option("--label", default="", help="A note kept with the batch, e.g. where it is handed out.")
@click.option("--pdf", "pdf_path", type=_PATH, required=True, help="Where to write the slips (PDF).")
@click.option("--csv", "csv_path", type=_PATH, help="Also write the codes and their URLs as CSV.")
@with_appcontext
def issue_codes(
    round_id: int,
    group_name: str,
    count: int,
    target_code: str | None,
    unit_name: str | None,
    label: str,
    pdf_path: Path,
    csv_path: Path | None,
) -> None:
    """Issue COUNT codes for a rater group of round ROUND (its id) and print their slips."""
    if target_code and unit_name:
        raise click.UsageError("--target and --unit exclude each other: give one or neither.")
    try:
        register_fonts()
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None

    with current_app.extensions["evalsite.sessions"]() as db:
        round_, group, target, unit = _resolve(db, round_id, group_name, target_code, unit_name)
        db.rollback()  # end the read, so that the write below starts as a writer (SQLite)
        claim_write_lock(db)
        with OutputFile(pdf_path, "--pdf") as pdf_out, OutputFile(csv_path, "--csv", text=True) as csv_out:
            try:
                batch, issued = issuing.issue_batch(
                    db,
                    round_.id,
                    group.id,
                    count,
                    code_keys(),
                    now=utcnow(),
                    actor_id=None,
                    target_id=target.id if target else None,
                    unit_id=unit.id if unit else None,
                    label=label,
                )
            except DomainError as error:
                raise click.ClickException(error_text(error)) from None
            db.commit()
            try:
                _write(batch, issued, pdf_out, csv_out)
            except (Exception, KeyboardInterrupt) as error:
                _void_unprinted(db, batch.id)
                if isinstance(error, OSError):
                    raise click.ClickException(f"{error.filename or ''} {error.strerror or error}".strip()) from error
                raise

    click.echo(_("已发放第 %(id)d 批评议码，共 %(n)d 个。", id=batch.id, n=batch.size))
    click.echo(f"  PDF: {pdf_path}")
    if csv_path:
        click.echo(f"  CSV: {csv_path}")


def _resolve(db: Session, round_id: int, group_name: str, target_code: str | None, unit_name: str | None):
    """The round, group, target and unit the arguments name, or a usage error saying which is wrong."""
    round_ = db.get(Round, round_id)
    if round_ is None:
        raise click.BadParameter(f"no round with id {round_id}", param_hint="ROUND")
    group = _one(db, select(RaterGroup).where(RaterGroup.round_id == round_.id, RaterGroup.name == group_name))
    if group is None:
        names = ", ".join(g.name for g in round_.groups) or "-"
        raise click.BadParameter(
            f"no group {group_name!r} in round {round_.name!r} (groups: {names})", param_hint="--group"
        )
    target = unit = None
    if target_code:
        in_campaign = Target.campaign_id == round_.campaign_id
        target = _one(db, select(Target).where(in_campaign, Target.code == target_code))
        if target is None:
            raise click.BadParameter(f"no target with code {target_code!r} in this campaign", param_hint="--target")
    if unit_name:
        unit = _one(db, select(Unit).where(Unit.name == unit_name))
        if unit is None:
            raise click.BadParameter(f"no unit named {unit_name!r}", param_hint="--unit")
    return round_, group, target, unit


def _one(db: Session, stmt):
    return db.scalars(stmt).first()


def _write(batch, issued: list[str], pdf_out: OutputFile, csv_out: OutputFile) -> None:
    base_url = current_app.config["PUBLIC_BASE_URL"]
    with progress_bar(len(issued), _("生成评议码条")) as bar:
        render_slips(
            batch_slips(batch, issued, base_url),
            pdf_out.file,
            title=slips_title(batch, _),
            progress=lambda done: bar.update(done - bar.pos),
        )
    if csv_out.file is not None:
        write_codes_csv(issued, base_url, csv_out.file)
    pdf_out.commit()
    csv_out.commit()


def _void_unprinted(db, batch_id: int) -> None:
    """Void a committed batch whose files could not be written; say so either way."""
    db.rollback()
    try:
        issuing.void_batch(db, batch_id, now=utcnow(), actor_id=None)
        db.commit()
    except Exception:  # the original error matters more; the organiser can still void by hand
        click.echo(_("写文件失败，请在管理页面作废第 %(id)d 批评议码。", id=batch_id), err=True)
        raise
    click.echo(_("写文件失败，第 %(id)d 批评议码已作废。", id=batch_id), err=True)
