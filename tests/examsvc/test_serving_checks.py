"""A served app refuses to start on a database it would serve wrongly (``examsvc.serving_checks``,
outside trial): a schema behind the code (every autosave failed with "function does not exist"),
or an ID key that opens none of the stored ID numbers (every number unreadable, and the duplicate
and roster checks by number quietly finding nobody). One damaged row, or a database that cannot be
reached for now, does not stop it."""

from __future__ import annotations

import logging

import pytest
from alembic.script import ScriptDirectory

from examsvc import create_app, database, serving_checks
from question_bank import id_vault
from question_bank.id_vault import IdVault
from tests import dbsetup
from tests.faults.server import Gunicorn


def _revision_before_head() -> str:
    return ScriptDirectory.from_config(database.alembic_config()).get_revision("head").down_revision


def test_an_app_on_a_migrated_database_whose_numbers_open_may_serve(app, make, db):
    make.cadre(id_number="11010519491231002X")
    db.commit()
    assert serving_checks.problems(app) == []
    serving_checks.refuse_unless_ready(app)


def test_a_schema_behind_the_code_is_refused_saying_to_run_the_upgrade(tmp_path):
    with dbsetup.test_database(tmp_path, _revision_before_head()) as url:
        behind = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "s"})
        try:
            with pytest.raises(serving_checks.NotReadyToServe, match="db-upgrade"):
                serving_checks.refuse_unless_ready(behind)
        finally:
            database.engine(behind).dispose()


def test_an_id_key_that_opens_none_of_the_stored_numbers_is_refused(app, make, db):
    make.cadre(id_number="11010519491231002X")
    db.commit()
    tests_key = id_vault.current()
    id_vault.configure(IdVault(b"\x07" * 32))
    try:
        [problem] = serving_checks.problems(app)
    finally:
        id_vault.configure(tests_key)
    assert "EXAMSVC_ID_KEY" in problem and "11010519491231002X" not in problem


def test_one_damaged_number_among_readable_ones_does_not_stop_the_service(app, make, db):
    donor = make.cadre(username="donor", id_number="11010519491231002X")
    damaged = make.cadre(username="damaged")
    damaged.id_number_sealed, damaged.id_number_lookup = donor.id_number_sealed, "0" * 64
    db.commit()
    assert serving_checks.problems(app) == []


def test_a_database_that_cannot_be_reached_now_skips_the_checks_and_says_so(tmp_path, caplog):
    unreachable = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/x.db",
                              "SECRET_KEY": "s"})
    with caplog.at_level(logging.WARNING, logger="examsvc.serving_checks"):
        assert serving_checks.problems(unreachable) == []
    assert "cannot be reached" in caplog.text


def test_gunicorn_does_not_start_on_a_schema_behind_the_code_and_its_log_says_why(tmp_path):
    with dbsetup.test_database(tmp_path, _revision_before_head()) as url:
        server = Gunicorn({"EXAMSVC_DATABASE_URL": url, "EXAMSVC_SECRET_KEY": "s",
                           "EXAMSVC_INSTANCE_DIR": str(tmp_path / "instance")}, tmp_path / "gunicorn.log", workers=1)
        try:
            with pytest.raises(RuntimeError, match="gunicorn exited"):
                server.start()
        finally:
            server.stop()
    assert "flask --app wsgi db-upgrade" in (tmp_path / "gunicorn.log").read_text()
