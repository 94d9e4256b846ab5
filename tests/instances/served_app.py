"""The WSGI app the two-instance tests serve with gunicorn (``tests.instances.served_app:app``) and
run the sweep command with (``flask --app tests.instances.served_app sweep-overdue``).

The production app (``wsgi.py``) in every respect but two, both set from the environment by the
test that starts the processes: the clock is the shared :class:`FileClock` at
``EXAMSVC_TEST_CLOCK_FILE`` (every instance and the sweep agree on the time, and the test moves it
without sleeping), and the session limits are long, because the tests move that clock by hours.
The database (``EXAMSVC_DATABASE_URL``), secret key and instance folder come from the environment
as in production. The sweep command can be held at a gate (``EXAMSVC_TEST_SWEEP_GATE``) until the
test releases it together with the requests it must race.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from examsvc import create_app
from tests.instances.shared_clock import FileClock

app = create_app({
    "CLOCK": FileClock(os.environ["EXAMSVC_TEST_CLOCK_FILE"]),
    "SESSION_IDLE_MINUTES": 30 * 24 * 60,
    "SESSION_ABSOLUTE_HOURS": 365 * 24,
})


def _gated(callback: Callable[..., Any]) -> Callable[..., Any]:
    """``callback`` run only once the file named by ``EXAMSVC_TEST_SWEEP_GATE`` exists (when that is
    set): the command first says it is ready (``<gate>.ready-<pid>``), then waits, so a test can
    release several sweeps and requests at one moment instead of hoping process start-up times
    line up. Waits at most :data:`GATE_TIMEOUT_S`."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        gate = os.environ.get("EXAMSVC_TEST_SWEEP_GATE")
        if gate:
            Path(f"{gate}.ready-{os.getpid()}").touch()
            give_up = time.monotonic() + GATE_TIMEOUT_S
            while not Path(gate).exists():
                if time.monotonic() > give_up:
                    raise SystemExit(f"the gate {gate} was never opened")
                time.sleep(0.005)  # polling the gate; the command's own work starts right after
        return callback(*args, **kwargs)

    return run


GATE_TIMEOUT_S = 120
_sweep = app.cli.commands["sweep-overdue"]
_sweep.callback = _gated(_sweep.callback)
