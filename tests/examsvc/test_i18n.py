"""The Chinese UI: Chinese is what a person sees until they switch to English, domain messages
arrive in the person's language, and the zh_CN catalogue translates every UI string completely,
with the placeholders of its English msgid (a lost ``%(n)d`` would raise or show a raw template)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from examsvc.errors import format_place
from question_bank.errors import Place
from tests.conftest import at
from tests.scenarios import save, single_choice_exam, start_through_web

ROOT = Path(__file__).resolve().parents[2]
# Babel files Chinese (Simplified, China) under its full name; the app's setting says zh_CN.
PO_FILE = ROOT / "examsvc" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def _catalogue():
    with PO_FILE.open("rb") as f:
        return read_po(f, locale="zh_CN")


def _switch_to_english(client, next_path: str):
    response = client.form_post("/lang/en", {"next": next_path})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_login_page_is_chinese_until_the_person_switches_to_english(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "<h1>登录</h1>" in page
    assert "领导干部学法考试系统" in page
    assert "用户名" in page and "密码" in page

    client.refresh_csrf("/login")
    english = _switch_to_english(client, "/login")
    assert '<html lang="en">' in english
    assert "<h1>Sign in</h1>" in english
    assert "登录" not in english


def test_exam_page_is_chinese_by_default_and_english_after_switching(client, make):
    exam = single_choice_exam(make, count=3)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)

    page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert "交卷" in page
    assert "答案已全部保存" in page                     # the save state before any change
    assert 'data-msg-slot-saved="已保存"' in page          # what the script shows per question
    assert 'data-msg-retrying="未保存，正在重试…"' in page
    assert "单选题" in page

    english = _switch_to_english(client, f"/me/attempts/{attempt_id}")
    assert "Submit the paper" in english
    assert "All answers saved" in english
    assert "交卷" not in english


def test_a_late_save_is_refused_with_a_chinese_message_by_default(client, make, clock):
    exam = single_choice_exam(make, count=2, minutes=30)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)

    clock.set(at("10:45:00"))
    late = save(client, attempt_id, 1, ["B"], 1)
    assert late.status_code == 409
    assert late.get_json()["error"] == "deadline_passed"
    assert late.get_json()["message"] == "考试时间已到，本次作答未保存。截止前已保存的答案有效。"

    client.form_post("/lang/en", {"next": "/"})
    again = save(client, attempt_id, 1, ["B"], 2)
    assert again.get_json()["message"].startswith("Time is up")


def test_problem_places_are_said_in_chinese(app):
    with app.test_request_context("/"):
        place = format_place(Place(file="题库.xlsx", sheet="题库", row=213, column="G", header="答案"))
    assert "工作表“题库”" in place
    assert "第213行" in place
    assert "G列（答案）" in place


def test_every_msgid_has_a_chinese_translation_with_the_same_placeholders():
    catalogue = _catalogue()
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 400
    for message in messages:
        if isinstance(message.id, tuple):  # a plural: Chinese has one form, "%(num)d分钟"
            assert len(message.string) == 1 and PLACEHOLDER.findall(message.string[0]) == PLACEHOLDER.findall(message.id[1])
            assert re.search(r"[\u4e00-\u9fff]", message.string[0]), message.id
            continue
        assert message.string.strip(), f"untranslated: {message.id!r}"
        assert "fuzzy" not in message.flags, f"fuzzy: {message.id!r}"
        # Punctuation alone (", ", "%(label)s: %(rule)s") has its own Chinese form, without Chinese words.
        if re.search(r"[A-Za-z]", PLACEHOLDER.sub("", message.id)):
            assert re.search(r"[\u4e00-\u9fff]", message.string), f"not Chinese: {message.id!r} -> {message.string!r}"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id)), message.id
        # Jinja's gettext always applies "%" to the text: a stray "%" in a translation would raise.
        values = {name: (1 if kind == "d" else "x") for name, kind in PLACEHOLDER.findall(message.id)}
        message.string % values


@pytest.mark.parametrize("msgid, chinese", [
    ("Law exam service", "领导干部学法考试系统"),
    ("Submit the paper", "交卷"),
    ("Not saved, retrying…", "未保存，正在重试…"),
    ("All answers saved", "答案已全部保存"),
    ("saved", "已保存"),
    ("Single choice", "单选题"),
    ("Multiple choice", "多选题"),
    ("Indefinite choice", "不定项选择题"),
    ("True/false", "判断题"),
    ("Pass mark", "及格线"),
    ("Score sheets", "成绩汇总表"),
    ("Retired", "已停用"),
])
def test_key_terms_follow_the_glossary(msgid, chinese):
    assert _catalogue()[msgid].string == chinese


def test_the_catalogue_covers_every_ui_string_in_the_source():
    """A string added to the code or a template must reach the catalogue (``make extract-messages``)
    and be translated; otherwise the Chinese UI shows it in English."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "N_": None}  # as `make extract-messages`: -k N_ -k _l
    in_source = {
        (message if isinstance(message, str) else message[0], context)
        for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords)
    }
    catalogue = _catalogue()
    # A message with a context (pgettext) is its own catalogue entry.
    missing = sorted(m for m, context in in_source
                     if not ((found := catalogue.get(m, context=context)) and found.string))
    assert not missing, f"not in the zh_CN catalogue (run make extract-messages and translate): {missing}"
