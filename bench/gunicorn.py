"""A gunicorn server on 127.0.0.1 for benchmarks: started, measured and stopped by its pid."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess  # nosec B404  # starts our own gunicorn with fixed arguments
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Gunicorn:
    """``gunicorn <app>`` on 127.0.0.1 with the bench's fixed settings; stopped by its own pid."""

    def __init__(self, app: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        command = [
            sys.executable, "-m", "gunicorn", app,
            "--bind", f"{HOST}:{self.port}",
            "--workers", str(WORKERS),
            "--worker-class", "sync",
            "--no-control-socket",
            "--timeout", "60",
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments  # nosec B603
            command, cwd=ROOT, env=os.environ | env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self._wait_ready()

    def _wait_ready(self, limit: float = 90.0) -> None:
        """Until a worker has imported the app and answers HTTP (any status will do)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log_tail()}")
            conn = http.client.HTTPConnection(HOST, self.port, timeout=max(1.0, deadline - time.monotonic()))
            try:
                conn.request("GET", "/")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
            finally:
                conn.close()
        self.stop()
        raise RuntimeError(f"gunicorn not ready after {limit:.0f} s:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by this server's worker processes (Linux /proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
            if int(fields[1]) == self.process.pid:  # its parent is our gunicorn master
                total += int(fields[11]) + int(fields[12])
        return total / tick

    def log_tail(self, lines: int = 30) -> str:
        if not self._log.closed:
            self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()
