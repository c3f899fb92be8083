"""``flask jobs-worker``: run the background jobs of this configuration until stopped.

``make run`` starts one beside the web server (the embedded SQLite queue); production runs
it under systemd (``deploy/evalsite-jobs.service``) against Redis. SIGINT lets the jobs in hand
finish, then stops; SIGTERM stops at once.
"""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("jobs-worker")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True, help="Jobs run at once.")
@with_appcontext
def jobs_worker(workers: int) -> None:
    """Run background jobs (prints, exports, scoring runs) from the configured queue."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    consumer = current_app.extensions["evalsite.huey"].create_consumer(
        workers=workers, worker_type="thread", periodic=False, max_delay=1.0
    )
    click.echo(f"jobs worker: {workers} thread(s) on {_where(current_app.config['JOBS_URL'])}", err=True)
    consumer.run()


def _where(url: str) -> str:
    """The queue's address without a password."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
