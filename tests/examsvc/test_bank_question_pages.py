"""The question-bank pages for editors and reviewers: list and search, write, edit, review, and who
may do what (domain.md §3, case C-16)."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from question_bank.models import AuditEvent, Question, QuestionStatus, QuestionVersion, Role
from question_bank.services import attempts, bank_search, papers, sittings
from question_bank.services.papers import PaperSpec, SectionSpec
from question_bank.services.sittings import SittingSpec
from tests.conftest import at
from tests.forms import approve_question
from tests.scenarios import start_through_web

BASED_ON = re.compile(r'name="based_on" type="hidden" value="([^"]*)"')
REVIEWED = re.compile(r'name="reviewed" value="([0-9a-f]+)"')


def question_form(**overrides: str) -> dict[str, str]:
    data = {
        "qtype": "single_choice", "stem": "行政处罚的种类由哪一级规范设定？（　）",
        "option_A": "法律", "option_B": "规章", "option_C": "通知", "option_D": "会议纪要",
        "key": "A", "explanation": "见行政处罚法第九条。", "difficulty": "2", "tags": "设定权；罚款",
        "legal_basis": "《中华人民共和国行政处罚法》第九条", "category": "行政处罚法/设定", "score": "",
    }
    data.update(overrides)
    return data


def signed_in(client, user, english: bool = True):
    client.login(user.username)
    if english:  # English msgids, whatever the Chinese catalogue says
        client.form_post("/lang/en")
    return client


def field_block(page: str, name: str) -> str:
    """The HTML of the form field (label, input, its errors) holding input ``name``."""
    for block in page.split('<div class="field')[1:]:
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name}")


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def shown_version(page: str) -> str:
    """The HTML of the version the question page shows in full (not the comparison)."""
    return page.split('<section class="question card"')[1].split("</section>")[0]


def edit_form(client, question, **overrides: str) -> dict[str, str]:
    page = client.get(f"/bank/questions/{question.id}/edit").get_data(as_text=True)
    return question_form(based_on=BASED_ON.search(page).group(1), category="行政处罚法", **overrides)


# --- writing --------------------------------------------------------------------------------------

def test_creating_with_problems_shows_each_beside_its_field_and_saves_nothing(client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", question_form(
        stem="  ", option_B="", option_C="", option_D="", key="X", category=" / "))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was saved" in page
    assert "the stem is empty" in field_block(page, "stem")
    assert "the key may only hold option letters A–H, not X" in field_block(page, "key")
    assert "the category is empty" in field_block(page, "category")
    options = page.split('id="options"')[1].split('<div class="field')[0]
    assert "a choice question needs 2 to 8 options, this one has 1" in options
    assert 'value="见行政处罚法第九条。"' not in page and "见行政处罚法第九条。" in page  # typed text kept
    assert count(db, Question) == 0 and count(db, QuestionVersion) == 0


def test_a_key_naming_a_missing_option_is_shown_at_the_key(client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", question_form(key="E"))
    assert response.status_code == 422
    assert "which the question does not have" in field_block(response.get_data(as_text=True), "key")
    assert count(db, Question) == 0


def test_creating_a_question_saves_a_draft_and_its_page_shows_key_and_explanation(client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", question_form(
        qtype="multiple_choice", key="A,C, D", tags="设定权；罚款; 设定权", score="2"))
    assert response.status_code == 302
    question = db.scalar(select(Question))
    version = question.current_version
    assert question.status == QuestionStatus.DRAFT and question.author_id == editor.id
    assert version.key == ["A", "C", "D"] and version.tags == ["设定权", "罚款"]
    assert version.difficulty == 2 and version.default_score == Decimal("2.00")
    assert question.category.path == "行政处罚法/设定"

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<dd class="key">ACD</dd>' in page and "见行政处罚法第九条。" in page
    assert 'data-version="1"' in page


def test_a_true_false_question_takes_its_key_in_template_words(client, db, editor):
    signed_in(client, editor)
    data = question_form(qtype="true_false", option_A="", option_B="", option_C="", option_D="", key="错")
    assert client.form_post("/bank/questions/new", data).status_code == 302
    assert db.scalar(select(QuestionVersion)).key is False


def test_c21_a_repeated_question_is_flagged_on_create_and_a_near_duplicate_with_its_similarity(
        client, db, make, editor):
    original = make.question(stem="行政处罚的种类由哪一级规范设定?( )", options=["规章", "法律", "会议纪要", "通知"])
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", question_form())
    created = db.scalar(select(Question).where(Question.id != original.id))
    assert (created.duplicate_of_id, created.duplicate_similarity) == (original.id, 100)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The stem and options repeat question {original.id}" in page
    listing = client.get("/bank/questions").get_data(as_text=True)
    assert f"Repeats {original.id}" in listing

    response = client.form_post("/bank/questions/new", question_form(stem="行政处罚的种类由哪一级法规范设定？（　）"))
    near = db.scalar(select(Question).order_by(Question.id.desc()))
    assert near.duplicate_of_id == original.id and 85 <= near.duplicate_similarity < 100
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The question is {near.duplicate_similarity}% like question {original.id}" in page
    assert f"{near.duplicate_similarity}% like {original.id}" in client.get("/bank/questions").get_data(as_text=True)


@pytest.mark.parametrize("labels", [("A. ", "B. ", "C. ", "D. "), ("A、", "B、", "C、", "D、"), ("（A）", "(B)", "C．", "d.")])
def test_options_typed_each_with_its_label_in_order_are_saved_without_them_and_the_author_is_told(
        client, db, make, editor, labels):
    original = make.question(stem="行政处罚的种类由哪一级规范设定？（　）", options=["法律", "规章", "通知", "会议纪要"])
    signed_in(client, editor)
    typed = {f"option_{letter}": label + text for letter, label, text in zip("ABCD", labels, ["法律", "规章", "通知", "会议纪要"])}
    response = client.form_post("/bank/questions/new", question_form(**typed))
    assert response.status_code == 302
    created = db.scalar(select(Question).where(Question.id != original.id))
    assert created.current_version.options == ["法律", "规章", "通知", "会议纪要"]
    assert (created.duplicate_of_id, created.duplicate_similarity) == (original.id, 100)  # C-21 sees the repeat
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "the option labels (A., B., C. …) written before the options were taken off in" in page


@pytest.mark.parametrize("typed, field, reason", [
    ({"option_A": "A. 法律"}, "option_B", "option B has no label, while option A begins with its own"),
    ({"option_A": "A. 法律", "option_B": "C. 规章", "option_C": "C. 通知", "option_D": "D. 会议纪要"}, "option_B",
     "option B begins with C., the label of option C"),
])
def test_labels_on_only_some_options_or_out_of_order_are_refused_beside_the_option(client, db, editor, typed, field,
                                                                                  reason):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", question_form(**typed))
    assert response.status_code == 422
    assert reason in field_block(response.get_data(as_text=True), field)
    assert count(db, Question) == 0


def test_an_option_stored_beginning_with_a_label_is_offered_for_editing_so_that_saving_keeps_it(
        client, db, make, editor):
    stored = ["A.法律", "规章", "通知", "会议纪要"]
    question = make.question(status=QuestionStatus.DRAFT, author=editor, options=stored)
    signed_in(client, editor)
    page = client.get(f"/bank/questions/{question.id}/edit").get_data(as_text=True)
    assert "（A）A.法律" in field_block(page, "option_A") and "（B）规章" in field_block(page, "option_B")
    typed = {f"option_{letter}": f"（{letter}）{text}" for letter, text in zip("ABCD", stored)}
    response = client.form_post(f"/bank/questions/{question.id}/edit",
                                edit_form(client, question, stem="改过的题干（　）", **typed))
    assert response.status_code == 302
    db.refresh(question)
    assert question.current_version.options == stored and question.current_version.stem == "改过的题干（　）"


# --- editing and versions -------------------------------------------------------------------------

def test_editing_an_unused_version_changes_it_in_place(client, db, make, editor):
    question = make.question(status=QuestionStatus.DRAFT, author=editor)
    signed_in(client, editor)
    response = client.form_post(f"/bank/questions/{question.id}/edit",
                                edit_form(client, question, stem="改过的题干（　）", key="C"))
    assert response.status_code == 302
    db.refresh(question)
    assert question.current_version.version_no == 1 and count(db, QuestionVersion) == 1
    assert question.current_version.stem == "改过的题干（　）" and question.current_version.key == ["C"]
    assert question.status == QuestionStatus.DRAFT


def test_editing_a_version_an_attempt_used_makes_version_2_and_the_attempt_keeps_version_1(
        client, client_factory, db, clock, make, editor):
    question = make.question("single_choice", key=["B"], stem="原来的题干（　）")
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    db.commit()

    signed_in(client, editor)
    response = client.form_post(f"/bank/questions/{question.id}/edit",
                                edit_form(client, question, stem="新的题干（　）", key="C"))
    assert response.status_code == 302
    db.refresh(question)
    versions = {v.version_no: v for v in question.versions}
    assert sorted(versions) == [1, 2] and question.current_version_id == versions[2].id
    assert versions[1].stem == "原来的题干（　）" and versions[1].key == ["B"]
    assert question.status == QuestionStatus.IN_REVIEW

    page = client.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert 'data-version="1"' in page and 'data-version="2"' in page

    candidate = signed_in(client_factory(), cadre, english=False)
    exam_page = candidate.get(f"/me/attempts/{attempt.id}").get_data(as_text=True)
    assert "原来的题干" in exam_page and "新的题干" not in exam_page
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    assert attempt.score == Decimal(100)


def test_a_published_question_that_is_edited_goes_back_to_review_and_papers_keep_drawing_it(client, db, make, editor):
    question = make.question(status=QuestionStatus.PUBLISHED)
    published = question.current_version_id
    signed_in(client, editor)
    response = client.form_post(f"/bank/questions/{question.id}/edit",
                                edit_form(client, question, explanation="补充解析。"))
    db.refresh(question)
    assert question.status == QuestionStatus.IN_REVIEW
    assert question.published_version_id == published != question.current_version_id and question.is_live
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved as version 2." in flashed
    assert "Papers keep drawing version 1 until a reviewer approves the change." in flashed


def test_an_edit_based_on_an_older_state_is_refused(client, client_factory, db, clock, make, editor):
    question = make.question(status=QuestionStatus.DRAFT)
    signed_in(client, editor)
    stale = edit_form(client, question, stem="我的修改（　）")
    other = signed_in(client_factory(), make.user(Role.BANK_EDITOR))
    clock.advance(minutes=1)
    assert other.form_post(f"/bank/questions/{question.id}/edit",
                           edit_form(other, question, stem="别人的修改（　）")).status_code == 302
    response = client.form_post(f"/bank/questions/{question.id}/edit", stale)
    assert response.status_code == 409
    db.refresh(question)
    assert question.current_version.stem == "别人的修改（　）"


def test_editing_with_problems_changes_nothing(client, db, make, editor):
    question = make.question(status=QuestionStatus.DRAFT)
    before = question.current_version.stem
    signed_in(client, editor)
    response = client.form_post(f"/bank/questions/{question.id}/edit", edit_form(client, question, stem="", key=""))
    assert response.status_code == 422
    assert "the key is empty" in field_block(response.get_data(as_text=True), "key")
    db.refresh(question)
    assert question.current_version.stem == before


def test_a_retired_question_cannot_be_opened_for_editing(client, make, editor):
    question = make.question(status=QuestionStatus.RETIRED)
    signed_in(client, editor)
    assert client.get(f"/bank/questions/{question.id}/edit").status_code == 409


def test_an_earlier_version_can_be_looked_at(client, db, clock, make, editor):
    question = make.question(stem="第一版题干（　）")
    question.current_version.used_at = clock.now()
    db.commit()
    signed_in(client, editor)
    client.form_post(f"/bank/questions/{question.id}/edit", edit_form(client, question, stem="第二版题干（　）"))
    first = shown_version(client.get(f"/bank/questions/{question.id}?version=1").get_data(as_text=True))
    current = shown_version(client.get(f"/bank/questions/{question.id}").get_data(as_text=True))
    assert "第一版题干" in first and "第二版题干" in current and "第一版题干" not in current


# --- what papers draw while a revision waits for review -------------------------------------------

def comparison_row(page: str, name: str) -> str:
    return page.split('id="compare"')[1].split(f'<tr data-field="{name}"')[1].split("</tr>")[0]


def test_the_question_page_says_which_version_papers_draw_and_shows_what_the_revision_changes(
        client, client_factory, db, make, editor, reviewer):
    question = make.question(stem="原来的题干（　）", key=["B"])
    signed_in(client, editor)
    before = client.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert "Version 1 is in use in papers." in before and 'id="compare"' not in before
    client.form_post(f"/bank/questions/{question.id}/edit",
                     edit_form(client, question, stem="新的题干（　）", key="C", explanation="依据法条作答。",
                               option_A=question.current_version.options[0],
                               option_B=question.current_version.options[1],
                               option_C=question.current_version.options[2],
                               option_D=question.current_version.options[3], difficulty="3", tags="",
                               legal_basis="《中华人民共和国行政处罚法》第九条"))

    checker = signed_in(client_factory(), reviewer)
    page = checker.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert "Version 1 is in use in papers; version 2 awaits review." in page
    stem, key, options = (comparison_row(page, name) for name in ("stem", "key", "options"))
    assert "原来的题干" in stem and "新的题干" in stem and "changed" in stem
    assert "<td>B</td>" in key and "<td>C</td>" in key and "changed" in key
    assert "changed" not in options
    versions = page.split('class="versions"')[1]
    assert "in use in papers" in versions.split('<tr data-version="1">')[1].split("</tr>")[0]
    assert "in use in papers" not in versions.split('<tr data-version="2">')[1].split("</tr>")[0]

    assert approve_question(checker, question.id).status_code == 302
    after = checker.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert "New attempts draw version 2; attempts already started keep theirs." in after
    assert "Version 2 is in use in papers." in after and 'id="compare"' not in after


def test_the_page_says_when_no_version_is_in_use_yet_and_when_a_revision_went_back_to_draft(
        client, db, clock, make, reviewer):
    never = make.question(status=QuestionStatus.IN_REVIEW)
    returned = make.question(stem="原来的题干（　）")
    make.revision(returned, stem="新的题干（　）")
    signed_in(client, reviewer)
    assert "No version is in use in papers yet" in client.get(f"/bank/questions/{never.id}").get_data(as_text=True)
    response = client.form_post(f"/bank/questions/{returned.id}/return", {"note": "再改"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Papers keep drawing version 1 until a reviewer approves the change." in page
    assert "Version 1 is in use in papers; version 2 is a draft, not yet sent for review." in page
    assert 'id="compare"' in page


def list_rows(client, *questions) -> dict[int, str]:
    """The bank list's row of each question, by id."""
    page = client.get("/bank/questions").get_data(as_text=True)
    return {q.id: page.split(f'<tr data-question="{q.id}"')[1].split("</tr>")[0] for q in questions}


def status_cell(row: str) -> str:
    """The text of a list row's status cell (the fifth), tags and spacing dropped."""
    cell = re.findall(r"<td>(.*?)</td>", row, re.S)[4]
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def test_the_list_shows_a_question_with_a_revision_as_still_published(client, db, clock, make, editor, reviewer):
    revised = make.question()
    untouched = make.question()
    never = make.question(status=QuestionStatus.IN_REVIEW)
    make.revision(revised, stem="新的题干（　）")
    signed_in(client, editor)
    row = list_rows(client, revised, untouched, never)
    assert status_cell(row[revised.id]) == "Published (revision in review)"
    assert status_cell(row[untouched.id]) == "Published" and status_cell(row[never.id]) == "In review"


def test_a_returned_revision_reads_as_published_with_the_revision_returned_not_pending(
        client, client_factory, db, make, editor, reviewer):
    live = make.question(author=editor)
    make.revision(live, stem="新的题干（　）")
    new = make.question(status=QuestionStatus.IN_REVIEW, author=editor)
    checker = signed_in(client_factory(), reviewer)
    for question in (live, new):
        assert checker.form_post(f"/bank/questions/{question.id}/return", {"note": "再改"}).status_code == 302
    signed_in(client, editor)
    row = list_rows(client, live, new)
    assert status_cell(row[live.id]) == "Published (revision draft) Revision returned"
    assert 'data-status="draft"' in row[live.id] and "pending" not in row[live.id].lower()
    assert status_cell(row[new.id]) == "Draft Returned with a note"
    page = client.get(f"/bank/questions/{live.id}").get_data(as_text=True)
    assert "Published (revision draft)" in page.split("</h1>")[0]


def test_the_edit_form_warns_that_a_change_to_a_live_question_reaches_papers_only_after_review(
        client, db, clock, make, editor):
    live = make.question()
    draft_only = make.question(status=QuestionStatus.DRAFT)
    signed_in(client, editor)
    page = client.get(f"/bank/questions/{live.id}/edit").get_data(as_text=True)
    assert 'id="live-warning"' in page
    assert "Your change reaches papers only after a reviewer approves it" in page
    assert "Papers draw this version, so your changes will be saved as a new version." in page
    assert 'id="live-warning"' not in client.get(f"/bank/questions/{draft_only.id}/edit").get_data(as_text=True)


def test_cadres_start_a_sitting_while_an_edit_is_in_review_and_see_the_approved_wording(
        client, client_factory, db, make, editor, reviewer):
    question = make.question(stem="批准过的题干（　）")
    make.question()
    cadres = [make.cadre(), make.cadre()]
    sitting = make.sitting(make.paper([("single_choice", 2, 50, "行政处罚法")]), roster=cadres, shuffle=False)
    signed_in(client, editor)
    assert client.form_post(f"/bank/questions/{question.id}/edit",
                            edit_form(client, question, stem="待审核的题干（　）")).status_code == 302

    first = signed_in(client_factory(), cadres[0], english=False)
    attempt_id = start_through_web(first, sitting)
    exam_page = first.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert "批准过的题干" in exam_page and "待审核的题干" not in exam_page

    assert approve_question(signed_in(client_factory(), reviewer), question.id).status_code == 302
    second = signed_in(client_factory(), cadres[1], english=False)
    later_page = second.get(f"/me/attempts/{start_through_web(second, sitting)}").get_data(as_text=True)
    assert "待审核的题干" in later_page and "批准过的题干" not in later_page
    assert "批准过的题干" in first.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)


# --- saving unchanged, a new category, and how marks read ------------------------------------------

class _FormReader(HTMLParser):
    """The values a browser would send for the question form as the page shows it."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") != "checkbox":
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[self._textarea] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a["value"]

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            # WTForms starts a textarea's content with a newline, which browsers drop.
            self.values[self._textarea] += data.removeprefix("\n") if not self.values[self._textarea] else data


def form_as_shown(client, question) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(client.get(f"/bank/questions/{question.id}/edit").get_data(as_text=True))
    reader.values.pop("csrf_token", None)
    return reader.values


def updates(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "question.update"))


def test_saving_a_published_question_unchanged_says_nothing_changed_and_keeps_it_published(client, db, make, editor):
    question = make.question(default_score="100.00")
    signed_in(client, editor)
    unchanged = form_as_shown(client, question)
    assert unchanged["score"] == "100" and unchanged["key"] == "B"
    response = client.form_post(f"/bank/questions/{question.id}/edit", unchanged)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was changed, so nothing was saved." in page
    assert "in review" not in page.split("</h1>")[0].lower()
    db.refresh(question)
    assert question.status == QuestionStatus.PUBLISHED and question.current_version.version_no == 1
    assert count(db, QuestionVersion) == 1 and updates(db) == 0


def test_a_change_of_category_alone_is_a_new_version_the_reviewer_sees_compared(
        client, client_factory, db, make, editor, reviewer):
    question = make.question(category="行政处罚法")
    signed_in(client, editor)
    moved = form_as_shown(client, question) | {"category": "行政许可法"}
    assert client.form_post(f"/bank/questions/{question.id}/edit", moved).status_code == 302
    db.refresh(question)
    assert question.status == QuestionStatus.IN_REVIEW and question.current_version.version_no == 2
    assert question.published_version.category.path == "行政处罚法"

    page = signed_in(client_factory(), reviewer).get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert "The content is the same" not in page
    row = comparison_row(page, "category")
    assert "<td>行政处罚法</td>" in row and "<td>行政许可法</td>" in row and "changed" in row
    assert "changed" not in comparison_row(page, "stem")


def test_a_mark_reads_as_points_in_the_form_and_on_the_page(client, make, editor):
    question = make.question(default_score="100")
    signed_in(client, editor, english=False)
    form = client.get(f"/bank/questions/{question.id}/edit").get_data(as_text=True)
    assert 'value="100"' in field_block(form, "score") and "100.00" not in form
    page = client.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert "100.00" not in page
    assert "100" in shown_version(page).split('class="qhead"')[1].split("</p>")[0]


@pytest.mark.parametrize(("mark", "reads"), [("1", "1 point"), ("1.00", "1 point"), ("2", "2 points"),
                                             ("1.5", "1.5 points"), ("0.5", "0.5 points")])
def test_a_mark_is_counted_in_points_with_the_right_plural(client, make, editor, mark, reads):
    question = make.question(default_score=mark)
    signed_in(client, editor)
    head = shown_version(client.get(f"/bank/questions/{question.id}").get_data(as_text=True))
    head = head.split('class="qhead"')[1].split("</p>")[0]
    assert head.rstrip().endswith("· " + reads)


# --- the reviewer's note reaches the author ---------------------------------------------------------

def test_the_author_sees_who_returned_the_question_when_and_why_until_it_is_sent_again(
        client, client_factory, db, clock, make, editor, reviewer):
    question = make.question(status=QuestionStatus.IN_REVIEW, author=editor)
    other = make.question(status=QuestionStatus.DRAFT, author=editor)
    checker = signed_in(client_factory(), reviewer)
    clock.set(at("11:20:00"))
    assert checker.form_post(f"/bank/questions/{question.id}/return",
                             {"note": "第二个选项表述有误。\n请核对法条。"}).status_code == 302

    signed_in(client, editor)
    page = client.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    card = page.split('id="return-note"')[1].split("</section>")[0]
    assert "Returned with a note" in card and "第二个选项表述有误。\n请核对法条。" in card
    assert f"Returned by {reviewer.display_name} at 2026-05-11 11:20." in card
    assert 'id="return-note"' in client.get(f"/bank/questions/{question.id}/edit").get_data(as_text=True)
    listing = client.get("/bank/questions").get_data(as_text=True)
    row = {q.id: listing.split(f'<tr data-question="{q.id}"')[1].split("</tr>")[0] for q in (question, other)}
    assert "Returned with a note" in row[question.id] and "Returned with a note" not in row[other.id]

    assert client.form_post(f"/bank/questions/{question.id}/submit").status_code == 302
    assert 'id="return-note"' not in client.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert "Returned with a note" not in client.get("/bank/questions").get_data(as_text=True)


def test_a_revision_edited_back_to_the_published_content_is_discarded_not_sent_to_review(
        client, client_factory, db, make, editor, reviewer):
    question = make.question(stem="原来的题干（　）")
    make.revision(question, stem="新的题干（　）")
    checker = signed_in(client_factory(), reviewer)
    checker.form_post(f"/bank/questions/{question.id}/return", {"note": "不必改"})
    signed_in(client, editor)
    response = client.form_post(f"/bank/questions/{question.id}/edit",
                                {**form_as_shown(client, question), "stem": "原来的题干（　）"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("The content is the same as version 1, which papers draw, so the revision was discarded and the "
            "question is published as before. Version 2 stays in the history.") in page
    assert 'data-status="published"' in page.split("</h1>")[0] and 'id="compare"' not in page
    assert 'id="return-note"' not in page and '<tr data-version="2">' in page
    db.expire_all()
    assert question.status == QuestionStatus.PUBLISHED and question.current_version.version_no == 1


# --- approving or retiring what an open sitting needs -----------------------------------------------

@pytest.fixture
def needed(db, clock, make):
    """An open sitting whose paper needs all three single-choice questions of 宪法."""
    questions = make.questions(3, "single_choice", category="宪法")
    admin = make.user(Role.EXAM_ADMIN)
    paper = papers.create_paper(db, clock, admin, PaperSpec("宪法卷", [SectionSpec("single_choice", 3, Decimal(10), "宪法")]))
    sitting = sittings.create_sitting(db, clock, admin, SittingSpec("五月任前考试", "pre_appointment", paper.id,
                                                                    at("09:00:00"), at("17:00:00"), 3600))
    db.commit()
    return questions, sitting


def test_approving_a_change_that_leaves_an_open_sitting_unfillable_asks_first(client, db, make, reviewer, needed):
    questions, sitting = needed
    question = questions[0]
    make.revision(question, category_path="民法典")
    signed_in(client, reviewer)
    response = approve_question(client, question.id)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Approve question %d?" % question.id in page
    card = page.split(f'data-sitting="{sitting.id}"')[1].split("</section>")[0]
    assert "五月任前考试" in card and "<strong>section 1</strong>: category 宪法, Single choice: requested 3, available 2" in card
    assert 'name="confirm" value="1"' in page and f'action="/bank/questions/{question.id}/approve"' in page
    db.expire_all()
    assert question.status == QuestionStatus.IN_REVIEW and question.published_version.version_no == 1
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "question.approve")) == 0

    response = client.form_post(f"/bank/questions/{question.id}/approve",
                                {"confirm": "1", "reviewed": REVIEWED.search(page).group(1)})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Candidates cannot start these sittings until the bank holds enough published questions: 五月任前考试." in page
    db.expire_all()
    assert question.status == QuestionStatus.PUBLISHED and question.published_version.version_no == 2


def test_retiring_a_question_an_open_sitting_needs_asks_first_and_a_spare_one_does_not(client, db, make, reviewer, needed):
    questions, sitting = needed
    signed_in(client, reviewer)
    response = client.form_post(f"/bank/questions/{questions[0].id}/retire", {"reason": "法条已废止"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Retire all the same" in page
    assert 'name="reason" value="法条已废止"' in page  # the reason goes with the confirmation
    db.expire_all()
    assert questions[0].status == QuestionStatus.PUBLISHED
    assert client.form_post(f"/bank/questions/{questions[0].id}/retire",
                            {"confirm": "1", "reason": "法条已废止"}).status_code == 302
    db.expire_all()
    assert questions[0].status == QuestionStatus.RETIRED

    spare = make.question(category="行政处罚法")
    assert client.form_post(f"/bank/questions/{spare.id}/retire", {"reason": "重复"}).status_code == 302
    db.expire_all()
    assert spare.status == QuestionStatus.RETIRED


# --- workflow -------------------------------------------------------------------------------------

def test_the_workflow_from_draft_to_published_to_retired(client, client_factory, db, make, editor, reviewer):
    question = make.question(status=QuestionStatus.DRAFT, author=editor)
    signed_in(client, editor)
    assert client.form_post(f"/bank/questions/{question.id}/submit").status_code == 302
    db.refresh(question)
    assert question.status == QuestionStatus.IN_REVIEW

    checker = signed_in(client_factory(), reviewer)
    assert approve_question(checker, question.id).status_code == 302
    db.refresh(question)
    assert question.status == QuestionStatus.PUBLISHED and question.reviewer_id == reviewer.id

    assert checker.form_post(f"/bank/questions/{question.id}/retire", {"reason": "已过时"}).status_code == 302
    db.refresh(question)
    assert question.status == QuestionStatus.RETIRED


def test_the_author_cannot_approve_their_own_question_and_another_reviewer_can(
        client, client_factory, db, make, reviewer):
    author = make.user(Role.BANK_EDITOR, Role.BANK_REVIEWER)
    question = make.question(status=QuestionStatus.IN_REVIEW, author=author)
    signed_in(client, author)
    assert client.form_post(f"/bank/questions/{question.id}/approve").status_code == 403
    db.refresh(question)
    assert question.status == QuestionStatus.IN_REVIEW and question.reviewer_id is None

    other = signed_in(client_factory(), reviewer)
    assert approve_question(other, question.id).status_code == 302
    db.refresh(question)
    assert question.status == QuestionStatus.PUBLISHED and question.reviewer_id == reviewer.id


def test_returning_needs_a_note_and_sends_the_question_back_to_draft(client, db, make, reviewer):
    question = make.question(status=QuestionStatus.IN_REVIEW)
    signed_in(client, reviewer)
    response = client.form_post(f"/bank/questions/{question.id}/return", {"note": "  "})
    assert response.status_code == 422
    db.refresh(question)
    assert question.status == QuestionStatus.IN_REVIEW

    assert client.form_post(f"/bank/questions/{question.id}/return", {"note": "答案有误"}).status_code == 302
    db.refresh(question)
    assert question.status == QuestionStatus.DRAFT


def test_a_reviewer_who_is_not_an_editor_cannot_write_or_submit(client, db, make, reviewer):
    question = make.question(status=QuestionStatus.DRAFT)
    signed_in(client, reviewer)
    assert client.get("/bank/questions/new").status_code == 403
    assert client.form_post("/bank/questions/new", question_form()).status_code == 403
    assert client.get(f"/bank/questions/{question.id}/edit").status_code == 403
    assert client.form_post(f"/bank/questions/{question.id}/submit").status_code == 403
    db.refresh(question)
    assert question.status == QuestionStatus.DRAFT and count(db, Question) == 1


def test_an_editor_who_is_not_a_reviewer_cannot_approve_or_return(client, db, make, editor):
    question = make.question(status=QuestionStatus.IN_REVIEW)
    signed_in(client, editor)
    assert client.form_post(f"/bank/questions/{question.id}/approve").status_code == 403
    assert client.form_post(f"/bank/questions/{question.id}/return", {"note": "x"}).status_code == 403
    db.refresh(question)
    assert question.status == QuestionStatus.IN_REVIEW


def test_a_step_that_does_not_fit_the_status_is_a_conflict(client, db, make, reviewer):
    question = make.question(status=QuestionStatus.PUBLISHED)
    signed_in(client, reviewer)
    assert client.form_post(f"/bank/questions/{question.id}/approve").status_code == 409


@pytest.mark.parametrize("action", ["submit", "approve", "return"])
def test_workflow_steps_are_not_reachable_by_get(client, make, editor, action):
    question = make.question(status=QuestionStatus.IN_REVIEW)
    signed_in(client, editor)
    assert client.get(f"/bank/questions/{question.id}/{action}").status_code == 405


def test_a_step_without_the_csrf_token_is_refused(client, db, make, reviewer):
    question = make.question(status=QuestionStatus.IN_REVIEW)
    signed_in(client, reviewer)
    assert client.post(f"/bank/questions/{question.id}/approve").status_code == 400
    db.refresh(question)
    assert question.status == QuestionStatus.IN_REVIEW


def test_an_unknown_question_is_not_found(client, editor):
    signed_in(client, editor)
    assert client.get("/bank/questions/999999").status_code == 404


# --- the list -------------------------------------------------------------------------------------

def listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-question="(\d+)"', page)]


def test_search_matches_percent_and_underscore_literally(client, make, editor):
    percent = make.question(stem="罚款数额超过 50% 的（　）")
    underscore = make.question(stem="编号 A_1 的（　）")
    make.question(stem="罚款数额超过五十的（　）")
    make.question(stem="编号 AB1 的（　）")
    signed_in(client, editor)
    assert listed(client.get("/bank/questions", query_string={"q": "%"}).get_data(as_text=True)) == [percent.id]
    assert listed(client.get("/bank/questions", query_string={"q": "A_1"}).get_data(as_text=True)) == [underscore.id]


def test_the_list_filters_and_shows_type_stem_category_status_and_version(client, make, editor):
    wanted = make.question("true_false", stem="宪法是国家的根本法。", category="宪法/总纲", difficulty=1)
    make.question("single_choice", category="宪法/总纲", difficulty=1)
    make.question("true_false", category="行政处罚法", difficulty=1)
    signed_in(client, editor)
    page = client.get("/bank/questions", query_string={
        "type": "true_false", "status": "published", "category": "宪法", "difficulty": "1"}).get_data(as_text=True)
    assert listed(page) == [wanted.id]
    row = page.split(f'<tr data-question="{wanted.id}"')[1].split("</tr>")[0]
    assert "True/false" in row and "宪法是国家的根本法。" in row and "宪法/总纲" in row
    assert 'data-status="published"' in row and "<td>1</td>" in row


def test_a_long_stem_is_truncated_in_the_list(client, make, editor):
    make.question(stem="长" * 200)
    signed_in(client, editor)
    page = client.get("/bank/questions").get_data(as_text=True)
    assert "长" * 59 + "…" in page and "长" * 60 not in page


def test_a_sort_outside_the_allowlist_is_refused_with_422(client, make, editor):
    make.question()
    signed_in(client, editor)
    assert client.get("/bank/questions?sort=password_hash").status_code == 422
    assert client.get("/bank/questions?sort=-difficulty").status_code == 200


def test_the_page_size_is_capped(client, make, editor, monkeypatch):
    monkeypatch.setattr(bank_search, "MAX_PAGE_SIZE", 2)
    made = make.questions(3)
    signed_in(client, editor)
    page = client.get("/bank/questions?page_size=1000&sort=id").get_data(as_text=True)
    assert listed(page) == [made[0].id, made[1].id]
    second = client.get("/bank/questions?page_size=1000&sort=id&page=2").get_data(as_text=True)
    assert listed(second) == [made[2].id]
    assert "page_size=1000" in page  # the pager keeps the filters


def test_the_navigation_links_to_questions_and_batches(client, editor):
    signed_in(client, editor)
    page = client.get("/bank/questions").get_data(as_text=True)
    assert 'href="/bank/questions"' in page and 'href="/bank/batches"' in page


# --- who may come in (case C-16) ------------------------------------------------------------------

def _bank_requests(question_id: int) -> list[tuple[str, str, dict[str, str] | None]]:
    return [
        ("GET", "/bank/questions", None),
        ("GET", "/bank/questions/new", None),
        ("POST", "/bank/questions/new", question_form()),
        ("GET", f"/bank/questions/{question_id}", None),
        ("GET", f"/bank/questions/{question_id}/edit", None),
        ("POST", f"/bank/questions/{question_id}/edit", question_form(stem="被篡改的题干（　）", key="D")),
        ("POST", f"/bank/questions/{question_id}/submit", {}),
        ("POST", f"/bank/questions/{question_id}/approve", {}),
        ("POST", f"/bank/questions/{question_id}/return", {"note": "x"}),
        ("GET", f"/bank/questions/{question_id}/retire", None),
        ("POST", f"/bank/questions/{question_id}/retire", {"reason": "x"}),
        ("POST", f"/bank/questions/{question_id}/restore", {"reason": "x"}),
    ]


def _picture(db, question_id: int):
    db.expire_all()
    question = db.get(Question, question_id)
    return (question.status, question.current_version.stem, question.current_version.key,
            count(db, QuestionVersion), count(db, Question))


def test_c16_a_cadre_is_refused_every_bank_page_and_the_question_is_unchanged(client, db, make):
    question = make.question(status=QuestionStatus.IN_REVIEW)
    before = _picture(db, question.id)
    signed_in(client, make.cadre(), english=False)
    for method, path, data in _bank_requests(question.id):
        response = client.get(path) if method == "GET" else client.form_post(path, data)
        assert response.status_code == 403, (method, path)
        assert "被篡改的题干" not in response.get_data(as_text=True)
    assert _picture(db, question.id) == before


def test_c16_an_anonymous_request_is_sent_to_sign_in_and_changes_nothing(client, db, make):
    question = make.question(status=QuestionStatus.IN_REVIEW)
    before = _picture(db, question.id)
    client.refresh_csrf("/login")  # a real token, so only the missing sign-in stops the POSTs
    for method, path, data in _bank_requests(question.id):
        response = client.get(path) if method == "GET" else client.form_post(path, data)
        assert response.status_code == 302, (method, path)
        assert response.headers["Location"].startswith("/login"), (method, path)
    assert _picture(db, question.id) == before
