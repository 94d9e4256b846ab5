"""Start, restart and stop real gunicorn instances of the service, and run its sweep command,
as separate processes over one database.

Every wait is bounded: an instance that does not answer within :data:`START_TIMEOUT_S` (or whose
process exits) fails the test with the tail of its log, and whatever was started is stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from collections.abc import Iterator
from pathlib import Path

from examsvc import config, id_keys

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: Seconds an instance may take to answer its first request (a busy 2-core machine imports slowly).
START_TIMEOUT_S = 90
#: Seconds a stopping instance gets to finish before it is killed.
STOP_TIMEOUT_S = 20
#: Seconds a sweep command may run.
COMMAND_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_environment(database_url: str, clock_file: Path, instance_dir: Path) -> dict[str, str]:
    """The environment of every process of the service in a test: one database, one clock, one
    secret key and instance folder (so a session signed by one instance is good on the other), and the
    test process's ID-number key (accounts the tests make are found by their sealed numbers)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXAMSVC_")}
    env.update(EXAMSVC_DATABASE_URL=database_url, EXAMSVC_TEST_CLOCK_FILE=str(clock_file),
               EXAMSVC_SECRET_KEY="two-instances-test-secret", EXAMSVC_INSTANCE_DIR=str(instance_dir),
               EXAMSVC_ID_KEY=id_keys.key_text(False, config.INSTANCE_DIR),
               EXAMSVC_PROXY_HOPS="0", PYTHONPATH=str(ROOT))
    return env


@dataclass
class Instance:
    """One gunicorn master with its workers, serving the test app on ``port``."""

    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the instance and return once it answers; raises RuntimeError (with the log's
        tail) when it exits or stays silent for START_TIMEOUT_S, after stopping it."""
        log = self.log_path.open("ab")
        # Two workers of four threads: requests to one instance run in parallel in two processes.
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "5", "--timeout", "120", "tests.instances.served_app:app"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        try:
            self._wait_until_answering()
        except Exception:
            self.stop()
            raise

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"instance {self.name} exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/login", timeout=5) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)  # polling interval while the instance boots, not a wait for an outcome
        raise RuntimeError(f"instance {self.name} did not answer within {START_TIMEOUT_S} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop gracefully (SIGTERM to the master), killing its process group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group this instance was started in
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def restart(self) -> None:
        """Stop the instance and start it again on the same port (a deploy, a crash and restart)."""
        self.stop()
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


@contextmanager
def running_instances(env: dict[str, str], log_dir: Path, count: int = 2) -> Iterator[list[Instance]]:
    """``count`` instances on free ports over the database in ``env``; all stopped afterwards,
    and already started ones stopped when a later one fails to start."""
    instances = [Instance(chr(ord("A") + n), free_port(), env, log_dir / f"instance-{chr(ord('A') + n)}.log")
                 for n in range(count)]
    try:
        for instance in instances:
            instance.start()
        yield instances
    finally:
        for instance in instances:
            instance.stop()


def start_sweep(env: dict[str, str], gate: Path | None = None) -> subprocess.Popen:
    """Start ``flask sweep-overdue`` (what cron runs on each host) against the test app; the
    caller waits with :func:`finish_command`. With ``gate``, the command loads, says it is ready
    (:func:`sweeps_ready`) and sweeps only once the file ``gate`` exists."""
    if gate is not None:
        env = {**env, "EXAMSVC_TEST_SWEEP_GATE": str(gate)}
    return subprocess.Popen([str(BIN / "flask"), "--app", "tests.instances.served_app", "sweep-overdue"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_gated(gate: Path, processes: list[subprocess.Popen]) -> None:
    """Return once every process started with ``gate`` waits at it; raises RuntimeError when one
    exits first or they are not all there within START_TIMEOUT_S."""
    give_up = time.monotonic() + START_TIMEOUT_S
    while len(list(gate.parent.glob(gate.name + ".ready-*"))) < len(processes):
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args} exited before the gate: {process.communicate()}")
        if time.monotonic() > give_up:
            raise RuntimeError(f"the commands did not reach the gate within {START_TIMEOUT_S} s")
        time.sleep(0.05)  # polling while the commands load


def finish_command(process: subprocess.Popen) -> str:
    """Wait (bounded) for a command started here; its output. Raises RuntimeError when it fails."""
    try:
        out, err = process.communicate(timeout=COMMAND_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise RuntimeError(f"{process.args} did not finish within {COMMAND_TIMEOUT_S} s") from None
    if process.returncode != 0:
        raise RuntimeError(f"{process.args} failed ({process.returncode}):\n{out}\n{err}")
    return out
