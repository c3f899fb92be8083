"""Background jobs in tests: a real huey consumer, or the queue drained in the test's thread.

``running_worker`` starts huey's own consumer (threads) on the app's queue, as
``flask jobs-worker`` does; ``run_queued`` takes each queued task and executes it the way a
consumer's worker does (``dequeue`` then ``execute``), for tests about what a job makes
rather than how it is scheduled.
"""

from __future__ import annotations

import contextlib
import signal
import time
from dataclasses import dataclass

from tests.web.support import location


def run_queued(app) -> int:
    """Run every task waiting in the app's queue, in this thread; returns how many ran."""
    huey = app.extensions["evalsite.huey"]
    count = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        count += 1
    return count


@contextlib.contextmanager
def running_worker(app, workers: int = 1):
    """huey's consumer on the app's queue, in threads of this process, stopped gracefully after."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = app.extensions["evalsite.huey"].create_consumer(
        workers=workers, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.2
    )
    consumer.start()
    for sig, handler in handlers.items():  # the consumer installs its own; give pytest back Ctrl-C
        signal.signal(sig, handler)
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)


def job_of(response) -> str:
    """The job id a job-starting POST redirected to."""
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    path, _query = location(response)
    assert path.startswith("/jobs/"), path
    return path.removeprefix("/jobs/")


def status(client, job_id: str) -> dict:
    response = client.get(f"/jobs/{job_id}/status")
    assert response.status_code == 200, response.status_code
    return response.get_json()


def wait_for(client, job_id: str, *, timeout: float = 600.0, every: float = 0.2, seen: list | None = None) -> dict:
    """Poll the job's status as its page does until it is done or failed; ``seen`` collects each poll."""
    deadline = time.monotonic() + timeout
    while True:
        current = status(client, job_id)
        if seen is not None:
            seen.append(current)
        if current["state"] in ("done", "failed"):
            return current
        assert time.monotonic() < deadline, f"job {job_id} still {current['state']} after {timeout} s"
        time.sleep(every)


def run_and_follow(app, client, response) -> dict:
    """Run the job a POST queued, in this thread, and return its final status."""
    job_id = job_of(response)
    run_queued(app)
    return status(client, job_id)


@dataclass(frozen=True)
class Download:
    data: bytes
    headers: dict
    mimetype: str

    def get_data(self, as_text: bool = False):
        return self.data.decode("utf-8") if as_text else self.data


def export(client, url: str) -> Download:
    """Ask for an export with the page's button, run its job, and download the file it made."""
    done = run_and_follow(client.application, client, client.post(url))
    assert done["state"] == "done", done["text"]
    with client.get(done["file_url"]) as response:
        assert response.status_code == 200
        return Download(response.data, dict(response.headers), response.mimetype)
