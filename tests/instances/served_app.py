"""The WSGI app the two-instance tests serve with gunicorn (``tests.instances.served_app:app``) and
run the sweep command with (``flask --app tests.instances.served_app sweep-overdue``).

The production app (``wsgi.py``) in every respect but two, both set from the environment by the
test that starts the processes: the clock is the shared :class:`FileClock` at
``EXAMSVC_TEST_CLOCK_FILE`` (every instance and the sweep agree on the time, and the test moves it
without sleeping), and the session limits are long, because the tests move that clock by hours.
The database (``EXAMSVC_DATABASE_URL``), secret key and instance folder come from the environment
as in production.
"""

from __future__ import annotations

import os

from examsvc import create_app
from tests.instances.shared_clock import FileClock

app = create_app({
    "CLOCK": FileClock(os.environ["EXAMSVC_TEST_CLOCK_FILE"]),
    "SESSION_IDLE_MINUTES": 30 * 24 * 60,
    "SESSION_ABSOLUTE_HOURS": 365 * 24,
})
