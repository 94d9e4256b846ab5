"""Accounts: usernames NFKC-folded and unique whatever their letter case, made only of ASCII
letters, digits and . _ - @ (no spaces, invisible characters or look-alike letters of other
scripts), sign-in that folds and ignores case, ID numbers checked by GB 11643-1999 (with a birth
date not after the clock's day) and held by one account only, and units named by their path."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy import func, select

from question_bank.errors import InvalidInput
from question_bank.idnumbers import check_character
from question_bank.models import Role, UnitLevel, User, UserRole
from question_bank import id_vault
from question_bank.services import people
from tests.webclient import PASSWORD

#: A valid number (check character X); see tests/question_bank/test_idnumbers.py.
SAMPLE = "11010519491231002X"
NOT_ALLOWED = ("the username may contain only ASCII letters (A-Z, a-z), digits (0-9) and . _ - @; "
               "character %(position)d is none of these")


def new_user(db, clock, make, username: str, **profile) -> User:
    user = people.create_user(db, clock, None, username=username, display_name="某人", password=PASSWORD,
                              unit=make.root(), roles=[Role.CADRE], **profile)
    db.commit()
    return user


def refusal(db, clock, make, username: str, **profile) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as refused:
        new_user(db, clock, make, username, **profile)
    db.rollback()
    return [(str(p.place), p.message) for p in refused.value.problems]


def test_a_username_differing_only_in_case_is_taken(db, clock, make):
    new_user(db, clock, make, "cadre1")
    assert refusal(db, clock, make, "CADRE1") == [("username", "the username %(name)s is taken")]
    assert refusal(db, clock, make, "  Cadre1 ") == [("username", "the username %(name)s is taken")]
    assert db.scalar(select(func.count(User.id)).where(func.lower(User.username) == "cadre1")) == 1


def test_the_username_is_stored_as_spelt(db, clock, make):
    assert new_user(db, clock, make, " ZhangSan ").username == "ZhangSan"


def test_a_full_width_username_is_folded_and_then_taken_whatever_its_case(db, clock, make):
    new_user(db, clock, make, "cadre1")
    assert refusal(db, clock, make, "ｃａｄｒｅ１") == [("username", "the username %(name)s is taken")]
    assert refusal(db, clock, make, "ＣＡＤＲＥ１\u3000") == [("username", "the username %(name)s is taken")]
    assert new_user(db, clock, make, "\u3000ｚｈａｎｇ＿ｓａｎ ").username == "zhang_san"


def username_refusal(db, clock, make, username: str) -> tuple[str, str, dict]:
    with pytest.raises(InvalidInput) as refused:
        new_user(db, clock, make, username)
    db.rollback()
    (problem,) = refused.value.problems
    return str(problem.place), problem.message, dict(problem.params)


@pytest.mark.parametrize("username", ["zhangsan", "ZhangSan", "zhang.san", "zhang_san", "zhang-san", "0571-88001234",
                                      "13800138000", "zhangsan@sft.gov.cn", "A1.b_2-c@3"])
def test_a_username_of_ascii_letters_digits_and_dot_underscore_hyphen_at_is_accepted(db, clock, make, username):
    assert new_user(db, clock, make, username).username == username


@pytest.mark.parametrize("username, position", [
    ("\u0441adre1", 1),  # Cyrillic small es, drawn exactly like a Latin c
    ("cadr\u04351", 5),  # Cyrillic small ie, drawn like a Latin e
    ("c\u0430dre1", 2),  # Cyrillic small a
    ("\u039fscar", 1),   # Greek capital omicron, drawn like a Latin O
    ("张三", 1), ("zhang三", 6), ("café", 4), ("cadre#1", 6), ("cadre+1", 6), ("o'brien", 2),
])
def test_a_username_with_a_character_of_another_script_or_other_punctuation_is_refused(db, clock, make,
                                                                                      username, position):
    assert username_refusal(db, clock, make, username) == ("username", NOT_ALLOWED, {"position": position})
    assert db.scalar(select(func.count(User.id))) == 0


def test_a_look_alike_of_an_existing_username_is_refused_and_does_not_sign_in_as_it(db, clock, make):
    cadre = new_user(db, clock, make, "cadre1")
    look_alike = "\u0441adre1"  # Cyrillic с
    assert look_alike != "cadre1" and look_alike.lower() != "cadre1"
    assert username_refusal(db, clock, make, look_alike) == ("username", NOT_ALLOWED, {"position": 1})
    assert people.authenticate(db, look_alike, PASSWORD) is None
    assert people.authenticate(db, "cadre1", PASSWORD) is cadre


@pytest.mark.parametrize("username, position", [("cadre 1", 6), ("cadre\u30001", 6), ("cadre\t1", 6),
                                                ("cadre\u200b1", 6), ("cadre\x001", 6), ("ca\u00addre1", 3)])
def test_a_username_with_inner_space_or_an_invisible_character_is_refused(db, clock, make, username, position):
    new_user(db, clock, make, "cadre1")
    assert username_refusal(db, clock, make, username) == ("username", NOT_ALLOWED, {"position": position})


def test_a_username_too_long_once_folded_is_refused(db, clock, make):
    # 40 characters typed, each of which NFKC spells with four: 160 characters.
    assert refusal(db, clock, make, "\u337f" * 40) == [("username", "the username may have at most %(n)d characters")]
    assert refusal(db, clock, make, " \u3000 ") == [("username", "the username is empty")]


def test_sign_in_folds_the_typed_username_as_it_was_stored(db, clock, make):
    user = new_user(db, clock, make, "ｃａｄｒｅ１")
    assert user.username == "cadre1"
    assert people.authenticate(db, "ＣＡＤＲＥ１", PASSWORD) is user
    assert people.authenticate(db, "\u3000cadre1\u3000", PASSWORD) is user
    assert people.authenticate(db, "cadre 1", PASSWORD) is None


def test_sign_in_ignores_the_case_of_the_username_but_not_of_the_password(db, clock, make):
    user = new_user(db, clock, make, "ZhangSan")
    assert people.authenticate(db, "zhangsan", PASSWORD) is user
    assert people.authenticate(db, "ZHANGSAN ", PASSWORD) is user
    assert people.authenticate(db, "zhangsan", PASSWORD.upper()) is None
    assert people.authenticate(db, "lisi", PASSWORD) is None


def test_the_database_itself_refuses_a_username_differing_only_in_case(db, clock, make):
    first = new_user(db, clock, make, "wang")
    # Written past create_user: the unique index on lower(username) still holds.
    db.add(User(username="WANG", display_name="王", password_hash=first.password_hash, org_unit=make.root(),
                created_at=clock.now(), role_rows=[UserRole(role=Role.CADRE.value)]))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_an_id_number_with_a_wrong_check_character_is_refused_on_its_field(db, clock, make):
    assert refusal(db, clock, make, "a", id_number=SAMPLE[:17] + "1") == [
        ("id_number", "the last character of the ID number does not match the others; check it for a typing error")]
    assert refusal(db, clock, make, "a", id_number="110105194902310026") == [  # 31 February, check character right
        ("id_number", "the birth date in the ID number (characters 7 to 14) is not a real date")]
    assert db.scalar(select(func.count(User.id))) == 0


def test_an_id_number_with_a_birth_date_after_the_clocks_day_in_china_is_refused(db, clock, make):
    # The clock stands at 2026-05-11 10:00 in Beijing.
    born_today, born_tomorrow = (body + check_character(body) for body in ("11010520260511001", "11010520260512001"))
    assert refusal(db, clock, make, "a", id_number=born_tomorrow) == [
        ("id_number", "the birth date in the ID number (characters 7 to 14) is in the future")]
    assert id_vault.reveal(new_user(db, clock, make, "b", id_number=born_today)) == born_today
    clock.set(dt.datetime(2026, 5, 11, 16, 0, tzinfo=dt.timezone.utc))  # 00:00 on 12 May in Beijing
    assert id_vault.reveal(new_user(db, clock, make, "c", id_number=born_tomorrow)) == born_tomorrow


def test_an_id_number_of_no_province_or_born_before_1900_is_refused(db, clock, make):
    assert refusal(db, clock, make, "a", id_number="000000180001010018") == [
        ("id_number", "the first two digits of the ID number are not the code of a province, autonomous region or municipality")]
    born_1800 = "11010518000101001" + check_character("11010518000101001")
    assert refusal(db, clock, make, "a", id_number=born_1800) == [
        ("id_number", "the birth date in the ID number (characters 7 to 14) is before 1900")]
    assert db.scalar(select(func.count(User.id))) == 0


def test_an_id_number_is_stored_upper_case_and_a_second_account_cannot_have_it(db, clock, make):
    assert id_vault.reveal(new_user(db, clock, make, "a", id_number=SAMPLE.lower())) == SAMPLE
    assert refusal(db, clock, make, "b", id_number=SAMPLE) == [("id_number", "another account already has this ID number")]
    assert refusal(db, clock, make, "b", id_number=" " + SAMPLE.lower()) == [
        ("id_number", "another account already has this ID number")]


def test_an_id_number_sealed_with_a_lower_case_x_still_counts_as_taken(db, clock, make):
    old = new_user(db, clock, make, "old")
    id_vault.store(old, SAMPLE.lower())
    db.commit()
    assert refusal(db, clock, make, "new", id_number=SAMPLE) == [("id_number", "another account already has this ID number")]


def test_every_problem_of_an_account_is_reported_at_once(db, clock, make):
    new_user(db, clock, make, "taken", id_number=SAMPLE)
    with pytest.raises(InvalidInput) as refused:
        people.create_user(db, clock, None, username="TAKEN", display_name="x", password="short", unit=make.root(),
                 roles=[Role.CADRE], id_number="12345")
    assert [str(p.place) for p in refused.value.problems] == ["username", "password", "id_number"]


def test_an_empty_id_number_is_no_id_number(db, clock, make):
    assert id_vault.reveal(new_user(db, clock, make, "a", id_number="")) is None
    assert id_vault.reveal(new_user(db, clock, make, "b", id_number=None)) is None
    assert id_vault.reveal(new_user(db, clock, make, "c", id_number="  ")) is None


def test_units_are_named_by_their_path_below_the_viewers_unit(db, make):
    province = make.root()
    city = make.unit("甲市", level=UnitLevel.CITY)
    dept = make.unit("司法局", parent=city)
    other = make.unit("司法局", parent=make.unit("乙市", level=UnitLevel.CITY))
    units = [province, city, dept, other]
    assert people.unit_paths(db, units) == {
        province.id: "某省", city.id: "某省 / 甲市", dept.id: "某省 / 甲市 / 司法局", other.id: "某省 / 乙市 / 司法局"}
    assert people.unit_paths(db, units, below=province) == {
        province.id: "某省", city.id: "甲市", dept.id: "甲市 / 司法局", other.id: "乙市 / 司法局"}
    assert people.unit_paths(db, [city, dept], below=city) == {city.id: "甲市", dept.id: "司法局"}


def test_the_configured_password_method_takes_effect_at_once_everywhere_a_secret_is_hashed(db, clock, make,
                                                                                           monkeypatch):
    """Passwords, changed passwords, access codes and the hash an unknown name is checked against
    all follow ``PASSWORD_METHOD`` as it is when they are made, not as it was at import."""
    from question_bank.services import accounts, admission

    monkeypatch.setattr(people, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    user = new_user(db, clock, make, "zhangsan")
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")
    accounts.change_password(db, clock, user, PASSWORD, "Zhang-san-own-7")
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")
    assert people.authenticate(db, "zhangsan", "Zhang-san-own-7") is user
    code = admission.hash_code("Ab 12")
    assert code.startswith(admission.FOLDED_PREFIX + "pbkdf2:sha256:1000$")
    assert admission.code_matches(code, "ａｂ１２") and not admission.code_matches(code, "ab13")

    checked = []
    real_check = people.check_password_hash
    monkeypatch.setattr(people, "check_password_hash", lambda hashed, typed: checked.append(hashed) or
                        real_check(hashed, typed))
    assert people.authenticate(db, "nobody", "Zhang-san-own-7") is None
    monkeypatch.setattr(people, "PASSWORD_METHOD", "scrypt:1024:8:1")
    assert people.authenticate(db, "nobody-else", "Zhang-san-own-7") is None
    assert [h.split("$")[0] for h in checked] == ["pbkdf2:sha256:1000", "scrypt:1024:8:1"]
