"""A clock every process of a test reads: the time is kept in a file the test writes.

The service's own clock is injectable (``CLOCK`` in the config, :mod:`question_bank.clock`), but a
:class:`~question_bank.clock.FixedClock` lives in one process. Two gunicorn instances and the
sweep command are separate processes, so here the pinned time is one line in a file (an aware
ISO 8601 datetime), replaced atomically, read on every ``now()``. Test code only.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path


class FileClock:
    """A :class:`question_bank.clock.Clock` whose time is the aware datetime stored in ``path``
    (written by :func:`set_time`). Raises ``ValueError`` if the file holds a naive time."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def now(self) -> dt.datetime:
        when = dt.datetime.fromisoformat(self.path.read_text().strip())
        if when.tzinfo is None:
            raise ValueError(f"{self.path} holds a naive time: {when}")
        return when.astimezone(dt.timezone.utc)


def set_time(path: str | os.PathLike[str], when: dt.datetime) -> None:
    """Pin every process reading ``path`` to ``when`` (aware); the file is replaced atomically,
    so a reader never sees half a time."""
    if when.tzinfo is None:
        raise ValueError("set_time needs an aware datetime")
    path = Path(path)
    scratch = path.with_suffix(".writing")
    scratch.write_text(when.isoformat())
    os.replace(scratch, path)
