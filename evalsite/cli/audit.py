"""``flask --app wsgi verify-audit``: check the audit log's hash chain."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from surveys import audit_chain


@click.command("verify-audit")
@with_appcontext
def verify_audit() -> None:
    """Check that no audit entry was edited, deleted or moved; exit 1 naming the first broken one."""
    with current_app.extensions["evalsite.sessions"]() as session:
        report = audit_chain.verify(session)
    if not report.is_intact:
        click.echo(f"审计日志已被篡改：{report.problem}", err=True)
        raise SystemExit(1)
    click.echo(f"审计日志完整：{report.entries} 条记录，链头哈希 {report.head_hash}")
