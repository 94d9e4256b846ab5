"""Running code as if the server's clock were set to another time zone (case C-26)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: The zones C-26 names: UTC, the exams' own, and one with a half-hour offset.
SERVER_ZONES = ("UTC", "Asia/Shanghai", "Asia/Kolkata")


@contextmanager
def server_time_zone(name: str) -> Iterator[None]:
    """Set the process's local time zone (``TZ`` and ``time.tzset``) for the block, then restore it."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
