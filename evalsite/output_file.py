"""Files the CLI writes: built next to their final path and moved there only when complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import click


class OutputFile:
    """A file written next to its final path and moved there only when complete.

    Opening it proves the folder is writable before anything else happens; leaving the
    ``with`` block without ``commit()`` removes the partial file. ``path`` None is a file
    not asked for: every operation does nothing. ``mode`` is applied when committed
    (0600 by default: slips and code lists hold live codes).
    """

    def __init__(self, path: Path | None, option: str, *, text: bool = False, mode: int = 0o600):
        self.path, self.option, self.text, self.mode = path, option, text, mode
        self.file: Any = None  #: text or binary by ``text``; None until opened, or when not asked for
        self.temp: Path | None = None
        self.is_done = False

    def __enter__(self) -> OutputFile:
        if self.path is None:
            return self
        folder = self.path.parent
        try:
            fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".part")
        except OSError as error:
            raise click.BadParameter(f"cannot write to {folder}: {error.strerror}", param_hint=self.option) from None
        self.temp = Path(temp)
        self.file = os.fdopen(fd, "w", encoding="utf-8", newline="") if self.text else os.fdopen(fd, "wb")
        return self

    def commit(self) -> None:
        if self.file is None or self.temp is None or self.path is None:  # not asked for: set together
            return
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.chmod(self.temp, self.mode)
        os.replace(self.temp, self.path)
        self.is_done = True

    def __exit__(self, *exc) -> None:
        if self.file is None or self.temp is None:
            return
        self.file.close()
        if not self.is_done:
            with contextlib.suppress(FileNotFoundError):
                self.temp.unlink()
