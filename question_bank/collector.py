"""Python's cyclic garbage collector, paused while a report builds many objects that live to its end.

Each full collection walks every object the process holds: the app alone is some 200,000. A full
collection runs once the objects that outlived the younger ones grow by a quarter, and a score
sheet keeps every row it built, and each part's loaded records until the part is done
(``services.score_sheets``), so a 50,000-row sheet set off 28 of them: 4 of its 9 CPU seconds
for the rows (issue 7). Reference counting still frees everything the sheet lets go of; only
objects that refer to each other in a cycle wait for the collector, which runs again as usual
once the report is built.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic cyclic collection inside the block. The collector is turned back on when the
    block is left, on an error too, unless it was off already (turned off by the process, or by
    another thread's block, which turns it back on itself)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
