"""Fixtures of the two-instance tests: two gunicorn instances over the test session's database
(SQLite file or PostgreSQL, as ``EXAMSVC_TEST_DB`` says), started once for the module, and one
clock shared by the test, both instances and the sweep command."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from question_bank.clock import FixedClock
from tests.instances import servers
from tests.instances.shared_clock import set_time


@dataclass
class Deployment:
    """Two instances (``a``, ``b``) of the service over one database, and what its processes share."""

    a: servers.Instance
    b: servers.Instance
    env: dict[str, str]
    clock_file: Path

    @property
    def urls(self) -> tuple[str, str]:
        return self.a.url, self.b.url


@pytest.fixture(scope="module")
def deployment(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("instances")
    clock_file = folder / "clock"
    set_time(clock_file, dt.datetime(2026, 5, 11, 2, 0, tzinfo=dt.timezone.utc))
    env = servers.service_environment(db_url, clock_file, folder / "instance")
    with servers.running_instances(env, folder) as (a, b):
        yield Deployment(a, b, env, clock_file)


class ServerTime:
    """The one time of the test: moving it moves the test's FixedClock (factories, the test's own
    services) and the file every instance and the sweep read."""

    def __init__(self, clock: FixedClock, clock_file: Path) -> None:
        self.clock = clock
        self.clock_file = clock_file
        set_time(clock_file, clock.now())

    def now(self) -> dt.datetime:
        return self.clock.now()

    def set(self, when: dt.datetime) -> None:
        self.clock.set(when)
        set_time(self.clock_file, when)


@pytest.fixture
def server_time(clock: FixedClock, deployment: Deployment) -> ServerTime:
    return ServerTime(clock, deployment.clock_file)
