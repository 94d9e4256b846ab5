"""F10-02: the password policy compares normalised passwords (NFKC, case-folded), so full-width
letters and changes of letter case get around no rule (username, name, common list, the current
password); passwords of too little variety, and passwords with space at either end, are refused with
a reason; the hash is of the NFKC form, and sign-in normalises the same way."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from question_bank.models import Role, User
from question_bank.services import passwords
from tests.examsvc.sign_in_helpers import events, try_sign_in
from tests.examsvc.test_reset_links_sec_t7 import make_link, set_password
from tests.webclient import PASSWORD


def wide(text: str) -> str:
    """``text`` as an input method in full-width mode types it (ASCII letters, digits, signs)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.fixture
def cadre(make):
    return make.cadre(username="zhangsan", display_name="张三")


def signed_in(client, username: str = "zhangsan", password: str = PASSWORD):
    """``client`` signed in, in English, with the change form's CSRF token."""
    client.login(username, password)
    client.form_post("/lang/en")
    client.refresh_csrf("/password")
    return client


def change(client, new: str, current: str = PASSWORD):
    return client.form_post("/password", {"current": current, "new": new, "confirm": new})


def stored_hash(db, user) -> str:
    return db.scalar(select(User.password_hash).where(User.id == user.id))


VARIETY = "the password has too little variety: it needs at least 4 different characters"
REPEATS = "the password only repeats a group of"
COMMON = "the password is one of the most common passwords; choose another"
USERNAME = "the password must not contain the username"
NAME = "the password must not contain your name"
SPACE = "the password starts or ends with a space"
SAME = "the new password must differ from the current one"
INVISIBLE = "an invisible or control character, which you could not see or type again"


@pytest.mark.parametrize("new, message", [
    # The username, in other widths and cases.
    ("ZhangSan-2026", USERNAME), ("x9-ZHANGSAN", USERNAME), (wide("zhangsan-2026"), USERNAME),
    ("Ｚｈａｎｇsan!7", USERNAME),
    # The person's name.
    ("张三-spring-77", NAME), ("Qz7-spring-张三", NAME),
    # The name with spaces of any kind put between its characters (issue 10).
    ("张 三good-2026q", NAME), ("Qz7-张\u3000三-x", NAME), ("张\u00a0三-spring-7", NAME), ("Qz7-张  三!", NAME),
    # The common list, disguised.
    ("PASSWORD123", COMMON), ("PassWord123", COMMON), (wide("password123"), COMMON), (wide("WoAiNi1314"), COMMON),
    ("QWERTYUIOP", COMMON),
    # Too little variety: one character, two, three, in any width or case.
    ("aaaaaaaaaaaa", VARIETY), ("121212121212", VARIETY), ("11112222", VARIETY), ("aAaAaAaAaA", VARIETY),
    (wide("aaaa") + "AAAA", VARIETY), ("abcabcabcabc", VARIETY), ("ab  ab  ab  ab", VARIETY),
    # A short group repeated.
    ("Ab1!Ab1!Ab1!", REPEATS), ("xyz9xyz9", REPEATS), ("Qz7-Qz7-Qz", REPEATS), ("abcdefgABCDEFG", REPEATS),
    # Space at either end, of any kind: refused, never stripped.
    (" Tiger-lily-42", SPACE), ("Tiger-lily-42 ", SPACE), ("\u3000Tiger-lily-42", SPACE), ("Tiger-lily-42\t", SPACE),
    ("Tiger-lily-42\u00a0", SPACE),
    # A control or invisible character anywhere (issue 10): at the ends, where it hides like a space, or inside.
    ("\u200bTiger-lily-42", INVISIBLE), ("Tiger-lily-42\ufeff", INVISIBLE), ("\u2060Tiger-lily-42", INVISIBLE),
    ("Tiger\x07lily-42", INVISIBLE), ("Tiger\x1blily-42", INVISIBLE), ("Tiger\x7flily-42", INVISIBLE),
    ("Tiger\x85lily-42", INVISIBLE), ("Tiger\u202elily-42", INVISIBLE), ("Tiger\u2066lily-42", INVISIBLE),
    ("Tiger\u200elily-42", INVISIBLE), ("Tiger\u00adlily-42", INVISIBLE), ("Tiger\u2028lily-42", INVISIBLE),
    ("Tiger\u3164lily-42", INVISIBLE), ("Tiger-lily-42\ufe0f", INVISIBLE), ("Tiger\u034flily-42", INVISIBLE),
    ("Tiger\u2800lily-42", INVISIBLE), ("Tiger\tlily-42", INVISIBLE),
    # The current password again, in another case or width.
    (PASSWORD, SAME), (PASSWORD.upper(), SAME), (wide(PASSWORD), SAME), ("Correct-Horse-9", SAME),
])
def test_f10_02_a_password_disguised_by_width_or_case_or_of_too_little_variety_is_refused_with_its_reason(
        client, cadre, db, new, message):
    signed_in(client)
    before = stored_hash(db, cadre)
    response = change(client, new)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert stored_hash(db, cadre) == before and events(db, "user.password_change") == []
    assert new not in response.get_data(as_text=True)


@pytest.mark.parametrize("new", ["Tiger lily 42", "我的密码是长城2026", "correcthorsecorrecthorse", "Qz7-19500101-lamp",
                                 "zhang-3-san-77", "Abcd1234xyz!"])
def test_f10_02_passwords_with_enough_variety_spaces_inside_or_chinese_characters_pass(client, cadre, client_factory,
                                                                                       new):
    signed_in(client)
    assert change(client, new).status_code == 302
    assert try_sign_in(client_factory(), "zhangsan", new).status_code == 302


def test_f10_02_the_stored_hash_is_of_the_nfkc_form_so_either_width_signs_in_but_letter_case_still_counts(
        client, cadre, client_factory, db):
    typed = wide("Tiger-Lily-42")
    signed_in(client)
    assert change(client, typed).status_code == 302
    device = client_factory()
    for signs_in in (typed, "Tiger-Lily-42", "Tiger-" + wide("Lily") + "-42"):
        assert try_sign_in(device, "zhangsan", signs_in).status_code == 302, signs_in
    for refused in ("tiger-lily-42", wide("TIGER-LILY-42"), "Tiger-Lily-42 "):
        assert try_sign_in(device, "zhangsan", refused).status_code == 200, refused
    # The current password is checked the same way on the change form.
    device.refresh_csrf("/password")
    assert change(device, "Spring-river-2026", current="Tiger-Lily-42").status_code == 302


def test_f10_02_a_password_hashed_as_typed_before_normalisation_still_signs_in_and_changes(client, cadre, db,
                                                                                           client_factory):
    typed = wide("Old-Style-88")
    db.get(User, cadre.id).password_hash = generate_password_hash(typed, method="scrypt:1024:8:1")
    db.commit()
    assert try_sign_in(client_factory(), "zhangsan", typed).status_code == 302
    signed_in(client, password=typed)
    assert change(client, "Spring-river-2026", current=typed).status_code == 302


@pytest.mark.parametrize("entry", ["new account", "reset link"])
@pytest.mark.parametrize("password, message", [
    (wide("ZHANGSAN") + "-2026", USERNAME), ("张三-spring-77", NAME), (wide("Password123"), COMMON),
    ("121212121212", VARIETY), ("Tiger-lily-42 ", SPACE),
])
def test_f10_02_an_administrators_password_and_a_reset_link_follow_the_same_normalised_policy(
        client, client_factory, make, db, entry, password, message):
    root = make.root()
    make.user(Role.SYSADMIN, username="root", unit=root)
    client.login("root")
    client.form_post("/lang/en")
    if entry == "new account":
        response = client.form_post("/users/new", {"username": "zhangsan", "display_name": "张三",
                                                   "password": password, "unit": root.id, "roles": "cadre"})
        assert db.scalar(select(User).where(User.username == "zhangsan")) is None
    else:
        cadre = make.cadre(username="zhangsan", display_name="张三", unit=root)
        path = make_link(client, cadre)
        person = client_factory()
        person.refresh_csrf()
        person.form_post("/lang/en")
        person.refresh_csrf(path)
        response = set_password(person, path, password)
        assert person.get(path).status_code == 200  # the link stays usable for another try
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_f10_02_a_temporary_password_is_drawn_again_when_the_policy_would_refuse_it(monkeypatch):
    drawn = iter("WuWuWuWuWuWu" + "Hq7TnWu3kRzP" + "Hq7TnRx3kRzP")
    monkeypatch.setattr(passwords.secrets, "choice", lambda alphabet: next(drawn))
    # The first has too little variety, the second holds the name "Wu": the third is given.
    assert passwords.temporary_password("wu-cadre", "Wu") == "Hq7TnRx3kRzP"
