"""``flask --app wsgi`` commands, one module per part: site set-up, codes, scoring, backups, audit."""

from __future__ import annotations

from flask import Flask

from evalsite.cli.audit import verify_audit
from evalsite.cli.backup import backup, restore
from evalsite.cli.codes import issue_codes
from evalsite.cli.jobs import jobs_worker
from evalsite.cli.scoring import export_ballots, score
from evalsite.cli.site import create_user, init_db, seed_demo


def init_app(app: Flask) -> None:
    commands = (init_db, create_user, seed_demo, issue_codes, score, export_ballots, backup, restore, verify_audit)
    for cmd in (*commands, jobs_worker):
        app.cli.add_command(cmd)
