"""What reading one upload may cost, and the meter that holds a file to it while it is read.

The limits are counted on what is actually done, not on what a file says about itself: bytes
inflated are counted as they come out of the decompressor (a ZIP directory may understate them),
sheet rows as the reader walks them (a row may be numbered 300 million), and time on a monotonic
clock from the moment the file is opened. Every refusal names the file and the limit.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from question_bank.errors import N_, InvalidInput, Place, Problem

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The most one upload may cost (see ``README.md``, "Uploads"). The defaults suit a roster or a
    register of cadres (5,000 rows of up to 60 columns); the question bank passes its own.

    - ``max_file_bytes``: the file as uploaded, in bytes (the web layer refuses larger requests
      with 413 before reading them; this is the same cap for callers outside the web).
    - ``max_entries``: parts in a workbook's ZIP (Excel writes about ten, plus a few per sheet).
    - ``max_part_bytes``: bytes one part may inflate to, declared or actually read.
    - ``max_inflated_bytes``: bytes all parts may inflate to: the sum the ZIP declares, and
      separately every byte actually inflated while reading, re-reads included.
    - ``max_rows``: sheet rows walked, empty ones included (a CSV: records).
    - ``max_columns``: columns read; content further right refuses the file.
    - ``max_cells``: filled cells in one sheet, and distinct texts (shared strings) in a workbook.
    - ``max_cell_elements``: cells a sheet lists, empty ones included (each costs the parser
      work; Excel lists a cell for every formatted one).
    - ``max_seconds``: wall time from opening the file to the last row read.
    """

    max_file_bytes: int = 20 * MB
    max_entries: int = 500
    max_part_bytes: int = 64 * MB
    max_inflated_bytes: int = 128 * MB
    max_rows: int = 200_000
    max_columns: int = 60
    max_cells: int = 300_000
    max_cell_elements: int = 1_000_000
    max_seconds: float = 10.0


def refuse(filename: str, message: str, where: Place | None = None, **params: Any) -> InvalidInput:
    """The error for a file that cannot be read at all, placed on the file (and on ``where``'s
    sheet and row when given)."""
    return InvalidInput([Problem(message, params, replace(where or Place(), file=filename))])


class Meter:
    """Counts what reading one file costs and refuses the file (:class:`InvalidInput`) the moment a
    limit is passed. ``timer`` returns seconds (``time.monotonic``; tests pass their own)."""

    def __init__(self, filename: str, limits: Limits, timer: Callable[[], float] = time.monotonic) -> None:
        self.filename = filename
        self.limits = limits
        self.timer = timer
        self.deadline = timer() + limits.max_seconds
        self.inflated = 0

    def count_inflated(self, part: str, part_total: int, added: int) -> None:
        """Record ``added`` more bytes inflated from ``part`` (``part_total`` so far in this read)."""
        self.inflated += added
        if part_total > self.limits.max_part_bytes:
            raise self.part_too_large(part)
        if self.inflated > self.limits.max_inflated_bytes:
            raise self.too_large()
        self.check_time()

    def part_too_large(self, part: str) -> InvalidInput:
        return refuse(self.filename, N_("The part %(part)s of this workbook unpacks to more than %(mb)d MB, the limit; "
                                        "it is not a workbook this service reads."),
                      part=part[:100], mb=self.limits.max_part_bytes // MB)

    def too_large(self) -> InvalidInput:
        return refuse(self.filename, N_("This workbook unpacks to more than %(mb)d MB; split it into several files."),
                      mb=self.limits.max_inflated_bytes // MB)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Time spent inside is not reading time: the deadline moves on by it. For a row handed to
        its consumer (a background import checks and writes each part of the file before it reads
        the next): the limit guards against a file costly to read, not against a slow consumer."""
        started = self.timer()
        try:
            yield
        finally:
            self.deadline += self.timer() - started

    def check_time(self, where: Place | None = None) -> None:
        """Refuse the file once reading it has taken longer than ``max_seconds``."""
        if self.timer() > self.deadline:
            raise refuse(self.filename, N_("Reading this file took longer than %(s)d seconds, the limit. Split it "
                                           "into several files, or delete formatting far below or right of the data."),
                         where, s=int(self.limits.max_seconds))
