"""SEC-P5: the migration that seals ID numbers at rest converts every existing account, in batches, on
SQLite and PostgreSQL, and its downgrade gives the numbers back in clear; a number two accounts share
once normalised stops the upgrade, naming both, with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from examsvc import database
from question_bank import id_vault
from question_bank.db import UTCDateTime, make_engine, make_session_factory
from question_bank.idnumbers import check_character
from question_bank.services import people
from tests import dbsetup

BEFORE = "9e4b2c7a1d35"
SEALED = "9e4c1d7a2b56"
#: More than two of the migration's batches (500 rows).
ACCOUNTS = 1203
NOW = dt.datetime(2026, 5, 11, 2, 0, tzinfo=dt.timezone.utc)

ORG = sa.table("org_unit", sa.column("id", sa.Integer()), sa.column("name", sa.String()), sa.column("level", sa.String()),
               sa.column("path", sa.String()), sa.column("created_at", UTCDateTime()))
USERS = sa.table("user_account", sa.column("id", sa.Integer()), sa.column("username", sa.String()),
                 sa.column("display_name", sa.String()), sa.column("password_hash", sa.String()),
                 sa.column("org_unit_id", sa.Integer()), sa.column("is_active", sa.Boolean()),
                 sa.column("session_epoch", sa.Integer()), sa.column("created_at", UTCDateTime()),
                 sa.column("id_number", sa.String()))
ROLES = sa.table("user_role", sa.column("user_id", sa.Integer()), sa.column("role", sa.String()))


def number(n: int) -> str:
    body = f"3201021980{n // 1000 % 12 + 1:02d}{n // 100 % 28 + 1:02d}{n % 100:02d}1"[:17]
    return body + check_character(body)


def numbers() -> dict[int, str | None]:
    """Account id → its ID number as an older version stored it: every 7th none, a lower-case x kept."""
    found = {}
    for n in range(1, ACCOUNTS + 1):
        value = None if n % 7 == 0 else number(n)
        found[n] = value.lower() if value and value.endswith("X") else value
    return found


@pytest.fixture
def old_database(tmp_path):
    """A database at the revision before the sealing, with ACCOUNTS cadres holding clear ID numbers."""
    with dbsetup.test_database(tmp_path, BEFORE) as url:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(ORG.insert().values(id=1, name="省", level="province", path="/1/", created_at=NOW))
            connection.execute(USERS.insert(), [
                {"id": n, "username": f"c{n}", "display_name": f"考生{n}", "password_hash": "x", "org_unit_id": 1,
                 "is_active": True, "session_epoch": 0, "created_at": NOW, "id_number": value}
                for n, value in numbers().items()])
            connection.execute(ROLES.insert(), [{"user_id": n, "role": "cadre"} for n in numbers()])
        yield engine
        engine.dispose()


def rows(engine) -> dict[int, dict]:
    with engine.connect() as connection:
        return {row["id"]: dict(row) for row in connection.execute(sa.text("SELECT * FROM user_account")).mappings()}


def test_sec_p5_upgrading_seals_every_id_number_and_downgrading_gives_them_back(old_database):
    engine = old_database
    assert any(v and v.endswith("x") for v in numbers().values())
    database.upgrade(engine, SEALED)
    sealed = rows(engine)
    assert len(sealed) == ACCOUNTS and "id_number" not in sealed[1]
    everything = "\n".join(str(v) for row in sealed.values() for v in row.values())
    vault = id_vault.current()
    for n, value in numbers().items():
        row = sealed[n]
        if value is None:
            assert row["id_number_sealed"] is None and row["id_number_lookup"] is None
            continue
        assert value.upper() not in everything
        assert row["id_number_lookup"] == vault.lookup(value)
        assert vault.open(row["id_number_sealed"], row["id_number_lookup"]) == value.upper()
    with make_session_factory(engine)() as session:
        assert people.sign_in_account(session, number(1201)).username == "c1201"
        assert people.id_number_taken(session, number(2).lower())
    database.downgrade(engine, BEFORE)
    back = rows(engine)
    assert {n: row["id_number"] for n, row in back.items()} == {
        n: value.upper() if value else None for n, value in numbers().items()}
    assert "id_number_sealed" not in back[1] and "id_number_lookup" not in back[1]
    # The clear column is unique again, as it was.
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.text("UPDATE user_account SET id_number = :v WHERE id = 2"), {"v": number(1)})
    database.upgrade(engine, SEALED)
    assert {n: row["id_number_lookup"] for n, row in rows(engine).items()} == {
        n: row["id_number_lookup"] for n, row in sealed.items()}


def test_sec_p5_two_accounts_with_one_number_once_normalised_stop_the_upgrade_naming_both(old_database):
    engine = old_database
    upper = next(v for v in numbers().values() if v and v.endswith("x")).upper()
    holder = next(n for n, v in numbers().items() if v and v.upper() == upper)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE user_account SET id_number = :v WHERE id = 7"), {"v": upper})
    with pytest.raises(RuntimeError, match=f"accounts {min(holder, 7)} and {max(holder, 7)} have the same ID number"):
        database.upgrade(engine, SEALED)
    after = rows(engine)
    assert "id_number" in after[1] and "id_number_sealed" not in after[1]
    assert after[7]["id_number"] == upper and after[1]["id_number"] == numbers()[1]
