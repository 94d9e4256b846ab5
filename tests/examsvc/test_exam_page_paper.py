"""The exam page keeps the questions it rendered once (issue 7: the paper part is rendered once per
paper and language and reused), yet every load shows what is true now: the answers saved since,
from this device or another, escaped as typed; the candidate's own option order; the language they
chose."""

from __future__ import annotations

import re

from sqlalchemy import select

from question_bank.models import AttemptItem
from tests.examsvc.test_bank_question_pages import signed_in
from tests.examsvc.test_six_types_exam import exam  # noqa: F401  (the fixture: one slot of each type)
from tests.scenarios import save, start_through_web

#: Answers a candidate may well type, which the page must show as text, never as markup.
HOSTILE_BLANK = '"><script>alert(1)</script>'
HOSTILE_ESSAY = "</textarea><b>bold</b> & <i>"


def checked(page: str, slot: int) -> list[str]:
    """The values of slot ``slot``'s ticked options (display letters, or T/F)."""
    return re.findall(rf'name="slot-{slot}" value="(\w)" autocomplete="off" disabled checked>', page)


def card_answered(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-card="(\d+)" class="answered"', page)]


def versions(page: str) -> dict[int, int]:
    return {int(slot): int(version) for slot, version in
            re.findall(r'<article class="question" id="q\d+" data-slot="(\d+)"[^>]*data-version="(\d+)"', page)}


def test_each_load_shows_the_answers_saved_since_the_questions_were_first_shown(client, client_factory, exam):
    cadre, sitting = exam
    signed_in(client, cadre)
    attempt_id = start_through_web(client, sitting)
    first = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert card_answered(first) == [] and set(versions(first).values()) == {0}
    assert "Answered 0 of 6" in first

    answers = {1: ["B"], 2: ["A", "C"], 4: "F", 5: [HOSTILE_BLANK, "诉讼"], 6: HOSTILE_ESSAY}
    for seq, (slot, answer) in enumerate(answers.items(), start=1):
        assert save(client, attempt_id, slot, answer, seq).status_code == 200, slot
    page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert (checked(page, 1), checked(page, 2), checked(page, 3), checked(page, 4)) == (["B"], ["A", "C"], [], ["F"])
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page and 'value="诉讼"' in page
    assert ">&lt;/textarea&gt;&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;</textarea>" in page
    assert "<script>alert(1)" not in page and "<b>bold</b>" not in page
    assert card_answered(page) == [1, 2, 4, 5, 6] and "Answered 5 of 6" in page
    assert versions(page) == {1: 1, 2: 1, 3: 0, 4: 1, 5: 1, 6: 1}

    # Changed on another device: this device's next load shows that answer and the slot's new version.
    phone = signed_in(client_factory(), cadre)
    assert save(phone, attempt_id, 1, ["D"], 1, writer="phone-page", base=1).status_code == 200
    assert save(phone, attempt_id, 2, [], 2, writer="phone-page", base=1).status_code == 200
    page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert (checked(page, 1), checked(page, 2)) == (["D"], [])
    assert versions(page)[1] == 2 and versions(page)[2] == 2
    assert card_answered(page) == [1, 4, 5, 6] and "Answered 4 of 6" in page


def test_the_questions_follow_the_language_the_candidate_chooses(client, exam):
    cadre, sitting = exam
    signed_in(client, cadre, english=False)
    attempt_id = start_through_web(client, sitting)
    chinese = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    client.form_post("/lang/en")
    english = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert "Previous question" in english and "Blank 1" in english and "Previous question" not in chinese
    client.form_post("/lang/zh_CN")
    assert client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True).count("Previous question") == 0


def test_candidates_with_shuffled_options_each_see_their_own_order(client_factory, make, db):
    make.questions(5, "single_choice")
    cadres = [make.cadre(username=f"shuffled{n}") for n in range(3)]
    paper = make.paper([("single_choice", 5, 20, "行政处罚法")])
    sitting = make.sitting(paper, roster=cadres, shuffle=True)
    for cadre in cadres:
        client = signed_in(client_factory(), cadre)
        attempt_id = start_through_web(client, sitting)
        page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
        page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)  # the kept rendering
        for item in db.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)):
            options = item.question_version.options
            article = page.split(f'id="q{item.slot}"')[1].split("</article>")[0]
            assert item.question_version.stem in article
            shown = re.findall(r'<span>([A-Z])\. (.+?)</span>', article)
            assert shown == [(letter, options[original]) for letter, original in zip("ABCD", item.option_order)]
