"""A real gunicorn server on the test database, for the crash and fault tests: started, killed with
SIGKILL (a worker, or the master and everything under it) and started again, as an operator's
process supervisor would."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
#: Seconds a server may take to answer its first request (two workers importing the app on a busy
#: 2-core machine).
START_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (read from /proc: gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (2nd field) is in parentheses and may hold spaces: split after it.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


class Gunicorn:
    """``gunicorn -w WORKERS wsgi:app`` on 127.0.0.1:``port`` with the given ``EXAMSVC_*`` settings."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 2, port: int | None = None) -> None:
        self.env = {**os.environ, **env}
        self.log = log
        self.workers = workers
        self.port = port or free_port()
        self.master: subprocess.Popen | None = None
        self.crashed: list[int] = []

    def start(self) -> None:
        """Start the server and wait until it answers (at most :data:`START_TIMEOUT_S`)."""
        with self.log.open("ab") as log:
            self.master = subprocess.Popen(
                [str(GUNICORN), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "30",
                 "--graceful-timeout", "2", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.master.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.master.returncode}; see {self.log}")
            if self._answers():
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT_S} s; see {self.log}")

    def _answers(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/login")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def running(self) -> bool:
        return self.master is not None and self.master.poll() is None

    def wait_for_workers(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Wait until the master has all its workers again (after a worker was killed)."""
        deadline = time.monotonic() + timeout_s
        while len(self.worker_pids()) < self.workers or not self._answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn has {len(self.worker_pids())} of {self.workers} workers; see {self.log}")
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        assert self.master is not None
        return children_of(self.master.pid)

    def kill_worker(self) -> int:
        """SIGKILL one worker (the master starts another); returns its pid."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        self.crashed.append(pid)
        return pid

    def kill_all(self) -> None:
        """SIGKILL the master and every worker at once: the whole server dies mid-request, as on a
        host's out-of-memory kill or a power cut of the application host."""
        assert self.master is not None
        pids = [self.master.pid, *self.worker_pids()]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        self.master.wait()
        self.crashed.extend(pids)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop gracefully (the end of a test), killing what does not stop within 10 s."""
        if self.master is None or self.master.poll() is not None:
            return
        workers = self.worker_pids()
        self.master.terminate()
        try:
            self.master.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.master.kill()
            self.master.wait()
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
