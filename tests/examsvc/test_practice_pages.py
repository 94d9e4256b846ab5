"""The practice pages: choosing a source, a question page without its key, the answer checked on
the server and the feedback after it, the wrong-answer book, the paper's practice setting, and
who may see what."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from question_bank.models import AuditEvent, PracticeItem, QuestionCitation, Role
from tests.webclient import without_csrf_tokens

PENALTY = "行政法/行政处罚法(2021-01-22).md"
EXPLANATION = "解析：复议前置的情形"


def _bank(make):
    make.laws(PENALTY)
    fill = make.question("fill_blank", stem="对处罚不服的，可以申请（　）。", key=[["行政复议"]], category="行政法/处罚",
                         explanation=EXPLANATION, legal_basis="《中华人民共和国行政处罚法》第九条")
    single = make.question("single_choice", key=["C"], options=["甲项", "乙项", "丙项", "丁项"], category="行政法/处罚",
                           explanation=EXPLANATION, legal_basis="《中华人民共和国行政处罚法》第九条")
    law_id = make.db.scalar(select(QuestionCitation.law_id).where(QuestionCitation.law_id.is_not(None)).limit(1))
    return fill, single, law_id


def _start(client, source: str, source_id=None) -> int:
    response = client.form_post("/me/practice/start", {"source": source, "source_id": source_id or ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _cadre_on_a_run(client, make, law_id) -> int:
    """A new cadre signed in, on a new run of the law; the run's id."""
    client.login(make.cadre().username)
    return _start(client, "law", law_id)


def _item_id(page: str) -> int:
    return int(re.search(r'data-item="(\d+)"', page).group(1))


def test_the_home_links_to_practice_and_the_book_and_practice_lists_laws_and_categories(client, make):
    _bank(make)
    cadre = make.cadre()
    client.login(cadre.username)
    home = client.get("/me/").get_data(as_text=True)
    assert 'href="/me/practice/"' in home and 'href="/me/wrong-book"' in home
    page = client.get("/me/practice/").get_data(as_text=True)
    assert "中华人民共和国行政处罚法" in page and "处罚" in page
    assert re.search(r"2 questions|2道题", page)


def test_the_question_page_holds_no_key_and_the_feedback_shows_key_explanation_and_article(client, make, db):
    fill, single, law_id = _bank(make)
    run_id = _cadre_on_a_run(client, make, law_id)
    for _ in range(2):
        page = client.get(f"/me/practice/{run_id}").get_data(as_text=True)
        item = db.get(PracticeItem, _item_id(page))
        assert EXPLANATION not in page and "行政复议" not in page and "第九条" not in page
        assert "行政处罚的种类" not in page
        assert not re.search(r"\b(key|correct|explanation|legal_basis)\b", without_csrf_tokens(page).replace(
            'name="csrf-token"', ""))
        if item.question_id == fill.id:
            response = client.form_post(f"/me/practice/items/{item.id}/answer", {"blank-1": "行政复议"})
        else:
            wrong_letter = next(letter for letter, text in re.findall(r'value="([A-D])"><span>[A-D]\. (\S+?)</span>', page)
                                if text != "丙项")
            response = client.form_post(f"/me/practice/items/{item.id}/answer", {"answer": wrong_letter})
        assert response.status_code == 302
        feedback = client.get(response.headers["Location"]).get_data(as_text=True)
        assert EXPLANATION in feedback and "行政处罚的种类" in feedback
        assert f'href="/laws/versions/' in feedback and "/articles/9" in feedback
        if item.question_id == fill.id:
            assert 'class="verdict right"' in feedback and "行政复议" in feedback
        else:
            assert 'class="verdict wrong"' in feedback and 'class="key"' in feedback
    assert db.scalar(select(func.count()).select_from(PracticeItem).where(PracticeItem.correct.is_(True))) == 1
    book = client.get("/me/wrong-book").get_data(as_text=True)
    assert "甲项" not in book and single.published_version.stem in book
    assert re.search(r'id="book-size">[^<]*\b1\b', book)


def test_an_empty_answer_is_refused_with_the_question_kept(client, make, db):
    _, _, law_id = _bank(make)
    run_id = _cadre_on_a_run(client, make, law_id)
    page = client.get(f"/me/practice/{run_id}").get_data(as_text=True)
    item_id = _item_id(page)
    response = client.form_post(f"/me/practice/items/{item_id}/answer", {})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'data-item="{item_id}"' in body and EXPLANATION not in body
    assert db.get(PracticeItem, item_id).answered_at is None


def test_a_second_post_of_the_same_answer_keeps_the_first(client, make, db):
    _, _, law_id = _bank(make)
    run_id = _cadre_on_a_run(client, make, law_id)
    item_id = _item_id(client.get(f"/me/practice/{run_id}").get_data(as_text=True))
    item = db.get(PracticeItem, item_id)
    form = {"blank-1": "错的"} if item.question_version.qtype == "fill_blank" else {"answer": "A"}
    first = client.form_post(f"/me/practice/items/{item_id}/answer", form)
    again = client.form_post(f"/me/practice/items/{item_id}/answer", form)
    assert first.headers["Location"] == again.headers["Location"]
    assert db.scalar(select(func.count()).select_from(PracticeItem).where(PracticeItem.answered_at.is_not(None))) == 1


def test_another_cadre_gets_404_for_someone_elses_run_and_item(client, client_factory, make, db):
    _, _, law_id = _bank(make)
    owner, other = make.cadre(), make.cadre()
    client.login(owner.username)
    run_id = _start(client, "law", law_id)
    item_id = _item_id(client.get(f"/me/practice/{run_id}").get_data(as_text=True))
    intruder = client_factory()
    intruder.login(other.username)
    assert intruder.get(f"/me/practice/{run_id}").status_code == 404
    assert intruder.get(f"/me/practice/items/{item_id}").status_code == 404
    assert intruder.form_post(f"/me/practice/items/{item_id}/answer", {"answer": "A"}).status_code == 404


def test_staff_without_the_cadre_role_cannot_practise(client, make):
    editor = make.user(Role.BANK_EDITOR)
    client.login(editor.username)
    assert client.get("/me/practice/").status_code == 403
    assert client.get("/me/wrong-book").status_code == 403


def test_the_feedback_page_waits_for_the_answer(client, make):
    _, _, law_id = _bank(make)
    run_id = _cadre_on_a_run(client, make, law_id)
    item_id = _item_id(client.get(f"/me/practice/{run_id}").get_data(as_text=True))
    response = client.get(f"/me/practice/items/{item_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/me/practice/{run_id}")


def test_the_exam_admin_keeps_a_paper_out_of_practice_from_its_page(client, make, db):
    fill, _, law_id = _bank(make)
    paper = make.paper([("single_choice", 1, 100, "行政法/处罚")])
    admin = make.user(Role.EXAM_ADMIN)
    client.login(admin.username)
    page = client.get(f"/exams/papers/{paper.id}").get_data(as_text=True)
    assert 'name="practice_excluded"' in page and "checked" not in page.split('id="practice-setting"')[1].split("</form>")[0]
    response = client.form_post(f"/exams/papers/{paper.id}/practice", {"practice_excluded": "1"})
    assert response.status_code == 302
    db.refresh(paper)
    assert paper.practice_excluded
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "paper.practice_exclusion")) == 1
    run_id = _cadre_on_a_run(client, make, law_id)
    page = client.get(f"/me/practice/{run_id}").get_data(as_text=True)
    assert db.get(PracticeItem, _item_id(page)).question_id == fill.id     # the single choice is in the pool
    client.form_post(f"/me/practice/items/{_item_id(page)}/answer", {"blank-1": "行政复议"})
    page = client.get(f"/me/practice/{run_id}").get_data(as_text=True)
    assert 'id="run-done"' in page and "data-item" not in page


def test_questions_an_open_sitting_holds_back_are_counted_with_the_time_they_come_back(client, make, db, clock):
    """Tester's defect 3: while a sitting is open, practice says how many questions it holds back
    and until when (Beijing time), not "no questions"; once it closed, the end of a run says
    nothing of it."""
    import datetime as dt
    from zoneinfo import ZoneInfo
    fill, single, law_id = _bank(make)
    closes = clock.now() + dt.timedelta(hours=5)
    make.sitting(make.paper([("single_choice", 1, 50, "行政法/处罚"), ("fill_blank", 1, 50, "行政法/处罚")]),
                 closes_at=closes)
    shown = closes.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    client.login(make.cadre().username)
    page = client.get("/me/practice/").get_data(as_text=True)
    held = page.split('id="held-back"')[1].split("</p>")[0]
    assert re.match(r"\D*2\D", held) and shown in held
    assert "No question cites a law of the catalogue yet" not in page and "暂无引用法规库中法律法规的题目" not in page


def test_the_end_of_a_run_says_what_is_held_back_only_while_it_is(client, make, db, clock):
    import datetime as dt
    fill, single, law_id = _bank(make)
    make.sitting(make.paper([("single_choice", 1, 100, "行政法/处罚")]), closes_at=clock.now() + dt.timedelta(hours=1))
    run_id = _cadre_on_a_run(client, make, law_id)
    page = client.get(f"/me/practice/{run_id}").get_data(as_text=True)
    assert db.get(PracticeItem, _item_id(page)).question_id == fill.id
    client.form_post(f"/me/practice/items/{_item_id(page)}/answer", {"blank-1": "行政复议"})
    page = client.get(f"/me/practice/{run_id}").get_data(as_text=True)
    assert 'id="run-done"' in page and re.search(r'id="held-back">\D*1\D', page)
    clock.advance(hours=2)
    page = client.get(f"/me/practice/{run_id}").get_data(as_text=True)
    assert db.get(PracticeItem, _item_id(page)).question_id == single.id
    client.form_post(f"/me/practice/items/{_item_id(page)}/answer", {"answer": "C"})
    page = client.get(f"/me/practice/{run_id}").get_data(as_text=True)
    assert 'id="run-done"' in page and 'id="held-back"' not in page
