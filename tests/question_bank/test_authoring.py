"""Writing and reviewing questions: drafts, versions that attempts keep, four eyes (domain.md §3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from question_bank.errors import Conflict, InvalidInput, PermissionDenied
from question_bank.models import AuditEvent, ImportBatch, Question, QuestionStatus, QuestionVersion, Role
from question_bank.services import attempts, authoring, review
from question_bank.drafts import QuestionDraft


def draft(**overrides) -> QuestionDraft:
    values = dict(qtype="single_choice", stem="行政处罚的种类由哪一级规范设定？", options=["法律", "规章", "通知", "会议纪要"],
                  key=["A"], category_path="行政处罚法/设定", explanation="见第九条。", difficulty=2,
                  tags=["设定权"], legal_basis="《中华人民共和国行政处罚法》第九条")
    values.update(overrides)
    return QuestionDraft(**values)


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def creations(db) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "question.create")))


def in_review(db, clock, make, question):
    """Put a published question's revision "新题干" up for review (a second editor's change)."""
    authoring.update_question(db, clock, make.user(Role.BANK_EDITOR), question,
                              draft(stem="新题干（　）", category_path="行政处罚法"))
    return question


def test_a_new_question_is_a_draft_with_version_1_in_its_category(db, clock, make):
    editor = make.user(Role.BANK_EDITOR)
    question = authoring.create_question(db, clock, editor, draft())
    db.commit()
    assert question.status == QuestionStatus.DRAFT
    assert question.current_version.version_no == 1
    assert question.category.path == "行政处罚法/设定" and question.category.parent.path == "行政处罚法"
    assert question.author_id == editor.id


def test_a_draft_with_problems_lists_each_with_its_field_and_saves_nothing(db, clock, make):
    editor = make.user(Role.BANK_EDITOR)
    bad = draft(stem=" ", options=["甲", ""], key=["E"], difficulty=7, category_path=" / ")
    with pytest.raises(InvalidInput) as caught:
        authoring.create_question(db, clock, editor, bad)
    places = {p.place for p in caught.value.problems}
    assert {"stem", "key", "difficulty", "category"} <= places
    assert count(db, Question) == 0 and count(db, QuestionVersion) == 0


def test_a_draft_keeps_the_field_its_type_names_for_each_problem(make):
    problems = draft(options=["甲", ""], key=["E"]).problems()
    assert [(p.place, p.message) for p in problems] == [
        ("options", "options must be filled in from A without gaps"),
        ("key", "the key names option %(letters)s, which the question does not have"),
    ]


def test_create_questions_adds_many_in_order_and_flags_repeats_of_the_bank_and_of_earlier_drafts(db, clock, make):
    editor = make.user(Role.BANK_EDITOR)
    in_bank = authoring.create_question(db, clock, editor, draft(stem="行政许可由谁实施？"))
    drafts = [draft(stem="行政许可 由谁实施?"), draft(stem="罚款由谁决定？", category_path="行政处罚法"),
              draft(stem="罚款由谁决定"), draft(stem="警告是行政处罚吗？", category_path="行政处罚法")]
    created = authoring.create_questions(db, clock, editor, drafts, status=QuestionStatus.IN_REVIEW)
    db.commit()
    assert [c.version.stem for c in created] == [d.stem for d in drafts]
    assert [(c.resembles, c.resembles_draft) for c in created] == [
        (in_bank.id, None), (None, None), (created[1].question.id, 1), (None, None)]
    assert [c.question.duplicate_of_id for c in created] == [c.resembles for c in created]
    assert {(c.question.status, c.question.current_version.version_no) for c in created} == {(QuestionStatus.IN_REVIEW, 1)}
    assert [c.question.category.path for c in created] == ["行政处罚法/设定", "行政处罚法", "行政处罚法/设定", "行政处罚法"]
    assert len(creations(db)) == 5  # one each, the single one included


def test_create_questions_refuses_every_draft_when_one_has_a_problem(db, clock, make):
    editor = make.user(Role.BANK_EDITOR)
    with pytest.raises(InvalidInput) as caught:
        authoring.create_questions(db, clock, editor, [draft(), draft(stem="第二题", key=None)])
    assert [(p.place, p.message) for p in caught.value.problems] == [("key", "the key is missing")]
    assert count(db, Question) == 0 and creations(db) == []


def test_create_questions_looks_up_categories_once_and_stems_one_chunk_at_a_time(db, clock, make, engine):
    editor = make.user(Role.BANK_EDITOR)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    drafts = [draft(stem=f"第{n}题题干", category_path=("宪法/国家机构", "行政处罚法/设定")[n % 2]) for n in range(1200)]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        authoring.create_questions(db, clock, editor, drafts)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert count(db, Question) == 1200
    # Reads: a SELECT, or a WITH that writes nothing (PostgreSQL's ranked candidates).
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")
               or s.lstrip().upper().startswith("WITH") and not {"UPDATE", "INSERT", "DELETE"} & set(s.upper().split())]
    # 4 category levels, the stems (3 IN queries of at most 500; PostgreSQL takes them all as one
    # array), the law catalogue read once (laws, versions) to resolve the legal bases, and the audit
    # chain's head locked once; never one per draft.
    stem_queries = 1 if db.bind.dialect.name == "postgresql" else 3
    assert len(selects) == 4 + stem_queries + 2 + 1, selects


def test_a_repeated_stem_is_flagged_with_the_question_it_resembles(db, clock, make):
    editor = make.user(Role.BANK_EDITOR)
    first = authoring.create_question(db, clock, editor, draft(stem="行政处罚的种类，由哪一级规范设定？"))
    second = authoring.create_question(db, clock, editor, draft(stem="行政处罚的种类 由哪一级规范设定?"))
    assert second.duplicate_of_id == first.id
    assert first.duplicate_of_id is None


def test_editing_a_version_no_attempt_used_changes_it_in_place(db, clock, make):
    editor = make.user(Role.BANK_EDITOR)
    question = authoring.create_question(db, clock, editor, draft())
    version = authoring.update_question(db, clock, editor, question, draft(key=["B"], explanation="改为 B。"))
    db.commit()
    assert version.version_no == 1 and question.current_version_id == version.id
    assert version.key == ["B"] and version.explanation == "改为 B。"
    assert count(db, QuestionVersion) == 1


def test_editing_a_version_an_attempt_used_makes_version_2_and_the_attempt_keeps_and_scores_version_1(db, clock, make):
    question = make.question("single_choice", key=["B"], stem="原题干（　）")
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    db.commit()
    v1 = question.current_version
    assert v1.used_at is not None

    editor = make.user(Role.BANK_EDITOR)
    v2 = authoring.update_question(db, clock, editor, question,
                                   draft(stem="新题干（　）", options=v1.options, key=["C"], category_path="行政处罚法"))
    db.commit()
    assert (v1.version_no, v2.version_no) == (1, 2)
    assert question.current_version_id == v2.id
    assert v1.stem == "原题干（　）" and v1.key == ["B"]

    item = attempt.items[0]
    assert item.question_version_id == v1.id and item.question_version.stem == "原题干（　）"
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    assert attempt.score == Decimal(100)


def test_a_question_made_published_has_its_first_version_published_and_a_draft_has_none(db, clock, make):
    editor = make.user(Role.BANK_EDITOR)
    published, in_review = (c.question for c in authoring.create_questions(
        db, clock, editor, [draft(stem="甲（　）")], status=QuestionStatus.PUBLISHED) + authoring.create_questions(
        db, clock, editor, [draft(stem="乙（　）")], status=QuestionStatus.IN_REVIEW))
    db.commit()
    assert published.published_version_id == published.current_version_id and published.is_live
    assert in_review.published_version_id is None and not in_review.is_live


def test_a_published_question_that_is_edited_goes_back_to_review_and_papers_keep_its_approved_version(db, clock, make):
    question = make.question(status=QuestionStatus.PUBLISHED, stem="原题干（　）")
    reviewer = make.user(Role.BANK_REVIEWER)
    review.approve_question(db, clock, reviewer, in_review(db, clock, make, question))
    approved = question.published_version
    editor = make.user(Role.BANK_EDITOR)
    revision = authoring.update_question(db, clock, editor, question, draft(category_path="行政处罚法"))
    db.commit()
    assert question.status == QuestionStatus.IN_REVIEW
    assert question.published_version_id == approved.id != revision.id == question.current_version_id
    assert question.is_live and approved.stem == "新题干（　）"
    # Who approved the version papers draw stays on record until the revision is approved.
    assert question.reviewer_id == reviewer.id and question.reviewed_at == clock.now()


def test_editing_the_published_version_makes_a_new_version_even_if_no_attempt_used_it(db, clock, make):
    question = make.question(status=QuestionStatus.PUBLISHED, stem="原题干（　）", key=["B"])
    published = question.current_version
    assert published.used_at is None
    revision = authoring.update_question(db, clock, make.user(Role.BANK_EDITOR), question,
                                         draft(stem="改过的题干（　）", key=["C"], category_path="行政处罚法"))
    db.commit()
    db.expire_all()
    assert (published.version_no, revision.version_no) == (1, 2)
    assert (published.stem, published.key) == ("原题干（　）", ["B"])
    assert question.published_version_id == published.id and question.current_version_id == revision.id
    assert count(db, QuestionVersion) == 2


def test_a_revision_in_review_is_edited_in_place_while_papers_draw_the_published_version(db, clock, make):
    question = make.question(status=QuestionStatus.PUBLISHED, stem="原题干（　）")
    editor = make.user(Role.BANK_EDITOR)
    revision = authoring.update_question(db, clock, editor, question, draft(stem="第二稿（　）", category_path="行政处罚法"))
    again = authoring.update_question(db, clock, editor, question, draft(stem="第三稿（　）", category_path="行政处罚法"))
    db.commit()
    assert again.id == revision.id and again.version_no == 2 and again.stem == "第三稿（　）"
    assert question.published_version.stem == "原题干（　）" and question.status == QuestionStatus.IN_REVIEW
    assert count(db, QuestionVersion) == 2


def test_approving_a_revision_publishes_it(db, clock, make):
    question = in_review(db, clock, make, make.question(status=QuestionStatus.PUBLISHED, stem="原题干（　）"))
    reviewer = make.user(Role.BANK_REVIEWER)
    review.approve_question(db, clock, reviewer, question)
    db.commit()
    assert question.status == QuestionStatus.PUBLISHED and question.is_live
    assert question.published_version_id == question.current_version_id
    assert question.published_version.version_no == 2 and question.published_version.stem == "新题干（　）"
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "question.approve"))
    assert (event.before, event.after) == ({"status": "in_review", "published_version": 1},
                                           {"status": "published", "published_version": 2})


def test_returning_a_revision_to_draft_keeps_the_published_version_live(db, clock, make):
    question = in_review(db, clock, make, make.question(status=QuestionStatus.PUBLISHED, stem="原题干（　）"))
    review.return_to_draft(db, clock, make.user(Role.BANK_REVIEWER), question, "表述不准确")
    db.commit()
    assert question.status == QuestionStatus.DRAFT and question.is_live
    assert question.published_version.stem == "原题干（　）" and question.current_version.stem == "新题干（　）"


def test_retiring_takes_a_question_with_a_published_version_out_of_papers(db, clock, make):
    question = in_review(db, clock, make, make.question(status=QuestionStatus.PUBLISHED))
    review.retire_question(db, clock, make.user(Role.BANK_REVIEWER), question, "不再使用")
    db.commit()
    assert question.status == QuestionStatus.RETIRED and not question.is_live


def test_a_retired_question_cannot_be_edited(db, clock, make):
    question = make.question(status=QuestionStatus.RETIRED)
    with pytest.raises(Conflict):
        authoring.update_question(db, clock, make.user(Role.BANK_EDITOR), question, draft())
    assert question.current_version.stem != draft().stem


def test_the_author_cannot_approve_their_own_question(db, clock, make):
    author = make.user(Role.BANK_EDITOR, Role.BANK_REVIEWER)
    question = make.question(status=QuestionStatus.IN_REVIEW, author=author)
    with pytest.raises(PermissionDenied):
        review.approve_question(db, clock, author, question)
    assert question.status == QuestionStatus.IN_REVIEW and question.reviewer_id is None


def test_whoever_wrote_the_current_version_cannot_approve_it(db, clock, make):
    question = make.question(status=QuestionStatus.PUBLISHED)
    editor = make.user(Role.BANK_EDITOR, Role.BANK_REVIEWER)
    authoring.update_question(db, clock, editor, question, draft(category_path="行政处罚法"))
    with pytest.raises(PermissionDenied):
        review.approve_question(db, clock, editor, question)
    assert question.status == QuestionStatus.IN_REVIEW


def test_another_reviewer_approves_and_is_recorded(db, clock, make):
    question = make.question(status=QuestionStatus.IN_REVIEW)
    reviewer = make.user(Role.BANK_REVIEWER)
    review.approve_question(db, clock, reviewer, question)
    assert question.status == QuestionStatus.PUBLISHED
    assert question.reviewer_id == reviewer.id and question.reviewed_at == clock.now()
    assert question.published_version_id == question.current_version_id and question.is_live


def test_a_draft_goes_to_review_and_a_returned_one_comes_back_with_the_note_in_the_audit_log(db, clock, make):
    question = make.question(status=QuestionStatus.DRAFT)
    review.submit_for_review(db, clock, make.user(Role.BANK_EDITOR), question)
    assert question.status == QuestionStatus.IN_REVIEW
    review.return_to_draft(db, clock, make.user(Role.BANK_REVIEWER), question, "答案有误")
    db.commit()
    assert question.status == QuestionStatus.DRAFT
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "question.return"))
    assert event.detail == "答案有误" and event.object_id == str(question.id)


def test_a_step_out_of_order_is_a_conflict(db, clock, make):
    question = make.question(status=QuestionStatus.DRAFT)
    with pytest.raises(Conflict):
        review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), question)
    assert question.status == QuestionStatus.DRAFT


def test_a_retired_question_stays_with_the_attempts_that_used_it(db, clock, make):
    question = make.question("single_choice")
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "行政处罚法")]), roster=[cadre])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    review.retire_question(db, clock, make.user(Role.BANK_REVIEWER), question, "不再使用")
    db.commit()
    assert question.status == QuestionStatus.RETIRED
    assert attempt.items[0].question_version.question_id == question.id


def test_an_editor_whose_change_was_approved_may_review_a_later_change(db, clock, make):
    question = make.question(status=QuestionStatus.PUBLISHED)
    first_editor = make.user(Role.BANK_EDITOR, Role.BANK_REVIEWER)
    authoring.update_question(db, clock, first_editor, question, draft(category_path="行政处罚法"))
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), question)
    authoring.update_question(db, clock, make.user(Role.BANK_EDITOR), question,
                              draft(category_path="行政处罚法", key=["B"]))
    review.approve_question(db, clock, first_editor, question)
    assert question.status == QuestionStatus.PUBLISHED and question.reviewer_id == first_editor.id


def test_a_reviewer_who_edited_a_question_of_a_batch_cannot_approve_the_batch(db, clock, make):
    from question_bank.errors import PermissionDenied
    from question_bank.models import Question, Role
    from question_bank.services import authoring, importing, review
    from tests.factories import QUESTION_HEADER, questions_xlsx

    editor = make.user(Role.BANK_EDITOR)
    both = make.user(Role.BANK_EDITOR, Role.BANK_REVIEWER)
    row = ("单选", "行政处罚的种类包括（　）。", "警告", "记过", "降级", "撤职", "A", "解析", "中", "", "", "行政处罚法", "")
    report = importing.import_questions(db, clock, editor, "q.xlsx", questions_xlsx([row], header=QUESTION_HEADER))
    question = db.query(Question).filter_by(import_batch_id=report.batch.id).one()
    draft = authoring.QuestionDraft(qtype="single_choice", stem="行政处罚的种类包括（　）。", options=["警告", "记过", "降级", "罚款"],
                                    key=["A"], category_path="行政处罚法")
    authoring.update_question(db, clock, both, question, draft)
    with pytest.raises(PermissionDenied):
        review.decide_batch(db, clock, both, report.batch, approve=True)
    assert review.decide_batch(db, clock, make.user(Role.BANK_REVIEWER), report.batch, approve=True) == 1


# --- a save that changes nothing, and the category as part of a version -----------------------------

def content_of(question) -> QuestionDraft:
    """The question's current content as a draft, as the edit form sends it back unchanged."""
    v = question.current_version
    return QuestionDraft(qtype=v.qtype, stem=v.stem, options=list(v.options), key=v.key,
                         category_path=v.category.path, explanation=v.explanation, difficulty=v.difficulty,
                         tags=list(v.tags), legal_basis=v.legal_basis, default_score=v.default_score)


def updates(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "question.update"))


@pytest.mark.parametrize("status", [QuestionStatus.PUBLISHED, QuestionStatus.DRAFT, QuestionStatus.IN_REVIEW])
def test_saving_a_question_unchanged_makes_no_version_no_status_change_and_no_audit_event(db, clock, make, status):
    question = make.question(status=status, stem="原题干（　）", default_score="2.00")
    status_before, version_before, changed_at = question.status, question.current_version, question.updated_at
    versions, events = count(db, QuestionVersion), updates(db)
    clock.advance(minutes=5)
    same = content_of(question)
    same.default_score = Decimal(2)          # a form sends 2 where the database holds 2.00
    same.category_path = " 行政处罚法 "          # and the path as typed
    result = authoring.update_question(db, clock, make.user(Role.BANK_EDITOR), question, same)
    db.commit()
    assert result.id == version_before.id
    assert (question.status, question.current_version_id, question.updated_at) == (
        status_before, version_before.id, changed_at)
    assert (count(db, QuestionVersion), updates(db)) == (versions, events)


def test_a_published_question_whose_only_change_is_its_category_gets_a_new_version_in_review(db, clock, make):
    question = make.question(status=QuestionStatus.PUBLISHED, category="行政处罚法")
    published = question.current_version
    moved = content_of(question)
    moved.category_path = "行政许可法"
    assert not authoring.unchanged(published, moved)
    revision = authoring.update_question(db, clock, make.user(Role.BANK_EDITOR), question, moved)
    db.commit()
    assert revision.version_no == 2 and question.status == QuestionStatus.IN_REVIEW
    assert (published.category.path, revision.category.path, question.category.path) == (
        "行政处罚法", "行政许可法", "行政许可法")
    assert question.published_version_id == published.id


def test_the_audit_snapshot_records_the_category_before_and_after(db, clock, make):
    question = make.question(status=QuestionStatus.PUBLISHED, category="行政处罚法")
    moved = content_of(question)
    moved.category_path = "行政许可法/许可程序"
    authoring.update_question(db, clock, make.user(Role.BANK_EDITOR), question, moved)
    db.commit()
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "question.update"))
    assert (event.before["category"], event.after["category"]) == ("行政处罚法", "行政许可法/许可程序")
    created = db.scalar(select(AuditEvent).where(AuditEvent.action == "question.create"))
    assert created.after["category"] == "行政处罚法"


def test_a_text_saved_again_with_other_line_endings_is_unchanged(db, clock, make):
    from question_bank.models import Role
    from question_bank.services import authoring

    editor = make.user(Role.BANK_EDITOR)
    question = make.question("true_false", stem="行政许可应当公开。\n（第二行）", explanation="第一行\n第二行")
    draft = authoring.QuestionDraft(qtype="true_false", stem="行政许可应当公开。\r\n（第二行）", options=[], key=True,
                                    category_path=question.category.path, explanation="第一行\r\n第二行",
                                    difficulty=question.current_version.difficulty,
                                    legal_basis=question.current_version.legal_basis)
    version = authoring.update_question(db, clock, editor, question, draft)
    assert version.version_no == 1 and question.status == "published"
    assert version.stem == "行政许可应当公开。\n（第二行）"


def test_a_part_written_set_wise_keeps_each_draft_with_its_own_ids_in_order(db, clock, make):
    # insert_questions takes its ids before writing on PostgreSQL (the sequence) and reads them
    # back on SQLite: either way the i-th ids returned are the i-th draft's question and version.
    editor = make.user(Role.BANK_EDITOR)
    batch = ImportBatch(filename="题库.xlsx", file_format="xlsx", mode="valid_only", uploaded_by_id=editor.id,
                        uploaded_at=clock.now(), question_count=0, report={})
    db.add(batch)
    drafts = [draft(stem=f"第{n}题：行政处罚由哪一级规范设定？", difficulty=1 + n % 5, tags=[f"标签{n}"],
                    key=["ABCD"[n % 4]]) for n in range(7)]
    first, _ = authoring.insert_questions(db, clock, editor, drafts[:3], batch=batch)
    second, _ = authoring.insert_questions(db, clock, editor, drafts[3:], batch=batch)
    written = first + second
    assert [w.question_id for w in written] == sorted(w.question_id for w in written)
    for made, wanted in zip(written, drafts):
        version = db.get(QuestionVersion, made.version_id)
        assert version.question_id == made.question_id and version.version_no == 1
        assert (version.stem, version.key, version.difficulty, version.tags) == (
            wanted.stem, wanted.key, wanted.difficulty, wanted.tags)
        question = db.get(Question, made.question_id)
        assert question.current_version_id == made.version_id and question.import_batch_id == batch.id
        assert question.status == QuestionStatus.IN_REVIEW
