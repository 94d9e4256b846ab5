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
    - ``max_other_part_bytes``: bytes any part but a sheet and the shared strings (the styles,
      the workbook part, the theme, the properties, the relationships …) may inflate to, counted
      while it is read: openpyxl parses each of these whole, after reading it. The styles of a
      workbook at Excel's limit of 65,490 cell formats take about 5 MB; the others a few KB.
    - ``max_other_elements``: XML elements all those parts together may hold, counted while they
      are read, re-reads included. openpyxl builds an object for each (a cell format, a defined
      name, a relationship): 20 to 60 microseconds and about 600 bytes apiece, so two million empty
      ``<xf/>`` in a 16 KB file would cost a minute and more than a gigabyte. The cap holds that
      to about two seconds: room for Excel's own limit of 65,490 cell formats (a workbook at it is
      one Excel itself warns about), where an ordinary workbook holds a few hundred elements.
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
    max_other_part_bytes: int = 8 * MB
    max_other_elements: int = 100_000
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
        #: XML elements seen so far in the parts other than sheets and shared strings (re-reads included).
        self.other_elements = 0

    def count_inflated(self, part: str, part_total: int, added: int) -> None:
        """Record ``added`` more bytes inflated from ``part`` (``part_total`` so far in this read)."""
        self.inflated += added
        if part_total > self.limits.max_part_bytes:
            raise self.part_too_large(part)
        if self.inflated > self.limits.max_inflated_bytes:
            raise self.too_large()
        self.check_time()

    def part_too_large(self, part: str, limit: int | None = None) -> InvalidInput:
        """The refusal of ``part`` for inflating past ``limit`` bytes (``max_part_bytes`` by default)."""
        return refuse(self.filename, N_("The part %(part)s of this workbook unpacks to more than %(mb)d MB, the limit; "
                                        "it is not a workbook this service reads."),
                      part=part[:100], mb=(limit or self.limits.max_part_bytes) // MB)

    def count_other_elements(self, part: str, added: int) -> None:
        """Record ``added`` more XML elements seen in ``part``, one of the parts other than sheets and
        shared strings; refuse the file, naming the part, once they pass ``max_other_elements``."""
        self.other_elements += added
        if self.other_elements > self.limits.max_other_elements:
            raise refuse(self.filename, N_("This workbook holds more than %(n)d XML elements outside its sheets (the "
                                           "limit was passed in the part %(part)s): far more cell formats, names or "
                                           "other entries than Excel writes. It was refused; copy the data into a new "
                                           "workbook and upload that."), part=part[:100], n=self.limits.max_other_elements)

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
