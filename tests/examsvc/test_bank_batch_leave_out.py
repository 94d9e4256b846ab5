"""A reviewer leaves out every flagged near-duplicate (and repeat) of a batch in one approval,
wherever they are in its pages; the near-duplicate list says how many it leaves unlisted and lists
all of them on request; the large-batch confirmation counts what is left out; the audit event says
what was left out and why (trial of issue 5). A discarded batch shows no live duplicates and links
no removed question."""

from __future__ import annotations

import html
import random
import re

import pytest
from sqlalchemy import select

from question_bank.models import AuditEvent, ImportBatch, Question, QuestionStatus, Role
from question_bank.services import review
from tests.factories import questions_xlsx
from tests.forms import decide_batch, upload

#: Stems the bank already holds; the file holds one repeat of the first and a near-duplicate of each.
BANK = ["行政处罚由哪一级人民政府的行政机关实施？", "行政许可应当由哪一个部门在法定期限内作出决定？",
        "行政复议申请人应当在知道具体行政行为之日起多少日内提出申请？"]
NEAR = ["行政处罚由哪一级人民政府的行政部门实施？", "行政许可应当由哪一个机关在法定期限内作出决定？",
        "行政复议申请人应当在知道具体行政行为之日起几日内提出申请？"]
OPTIONS = ["甲方案", "乙方案"]


def fresh_stems(n: int) -> list[str]:
    """``n`` stems that resemble nothing: random common characters."""
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    rng = random.Random(5)
    return ["".join(rng.choice(chars) for _ in range(18)) + "？" for _ in range(n)]


def row(stem: str) -> tuple:
    return ("单选", stem, *OPTIONS, "", "", "A", "", "", "", "", "行政处罚法", "")


@pytest.fixture
def batch(make, client, db):
    editor = make.user(Role.BANK_EDITOR, username="editor")
    for stem in BANK:
        make.question(stem=stem, options=OPTIONS, key=["A"])
    db.commit()
    client.login(editor.username)
    client.form_post("/lang/en", {"next": "/"})
    fresh = fresh_stems(24)
    # The near-duplicates spread over both pages of the batch (20 questions a page).
    rows = [row(BANK[0])] + [row(s) for s in fresh[:10]] + [row(NEAR[0])] + [row(s) for s in fresh[10:20]] \
        + [row(NEAR[1])] + [row(s) for s in fresh[20:]] + [row(NEAR[2])]
    assert upload(client, "near.xlsx", questions_xlsx(rows), repeats="keep").status_code == 302
    return db.scalars(select(ImportBatch)).one()


@pytest.fixture
def reviewer(client_factory, make):
    reviewing = client_factory()
    reviewing.login(make.user(Role.BANK_REVIEWER, username="reviewer").username)
    reviewing.form_post("/lang/en", {"next": "/"})
    return reviewing


def flagged(db, batch) -> tuple[list[int], list[int]]:
    questions = list(db.scalars(select(Question).where(Question.import_batch_id == batch.id).order_by(Question.id)))
    return ([q.id for q in questions if q.duplicate_similarity == 100],
            [q.id for q in questions if q.duplicate_similarity is not None and q.duplicate_similarity < 100])


def test_every_flagged_near_duplicate_and_repeat_is_left_out_in_one_approval(batch, reviewer, db, monkeypatch):
    monkeypatch.setattr(review, "LARGE_BATCH", 5)
    repeats, near = flagged(db, batch)
    assert len(repeats) == 1 and len(near) == 3
    page = html.unescape(reviewer.get(f"/bank/batches/{batch.id}").get_data(as_text=True))
    assert "Leave out every question flagged as a near-duplicate" in page
    assert re.search(r'data-count="flagged-near-duplicates">3 questions', page)
    in_review = len(repeats) + len(near) + 24
    # The confirmation says what each box would publish.
    assert f"the flagged near-duplicates, {in_review - 3}; both, {in_review - 4}" in page

    # A count typed for the ticks alone does not match what the boxes leave out: refused, naming it.
    wrong = decide_batch(reviewer, batch.id, {"approve": "1", "leave_out_near": "y", "leave_out_repeats": "y",
                                              "confirm": str(in_review)})
    assert wrong.status_code == 422
    assert f"type {in_review - 4} to confirm" in html.unescape(wrong.get_data(as_text=True))
    done = decide_batch(reviewer, batch.id, {"approve": "1", "leave_out_near": "y", "leave_out_repeats": "y",
                                             "confirm": str(in_review - 4)})
    assert done.status_code == 302
    assert f"{in_review - 4} questions published, 4 left out" in html.unescape(
        reviewer.get(f"/bank/batches/{batch.id}").get_data(as_text=True))
    db.expire_all()
    drafts = set(db.scalars(select(Question.id).where(Question.import_batch_id == batch.id,
                                                      Question.status == QuestionStatus.DRAFT)))
    assert drafts == set(repeats) | set(near)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "batch.approve")).one()
    assert event.after["left_out"] == sorted(drafts)
    assert event.after["left_out_near_duplicates"] == near and event.after["left_out_repeats"] == repeats
    assert event.after["left_out_ticked"] == []


def test_the_near_duplicate_list_says_how_many_it_leaves_unlisted_and_lists_all_on_request(
        batch, reviewer, db, monkeypatch):
    from examsvc.bank import imports
    monkeypatch.setattr(imports, "DUPLICATES_SHOWN", 2)
    repeats, near = flagged(db, batch)
    page = html.unescape(reviewer.get(f"/bank/batches/{batch.id}").get_data(as_text=True))
    table = re.search(r'<table class="import-duplicates">.*?</table>', page, re.S).group(0)
    assert table.count('name="leave_out"') == 2
    assert "The first 2 of 4 are listed" in page and "List all 4" in page
    link = re.search(r'href="([^"]*duplicates=all[^"]*)"', page).group(1)
    page = html.unescape(reviewer.get(link).get_data(as_text=True))
    table = re.search(r'<table class="import-duplicates">.*?</table>', page, re.S).group(0)
    assert sorted(int(v) for v in re.findall(r'name="leave_out" value="(\d+)"', table)) == sorted(repeats + near)
    assert "The first 2 of" not in page
    # Ticks on the complete list go with the same approval form.
    assert table.count('form="decide-form"') == 4 and 'id="decide-form"' in page


def test_a_discarded_batch_shows_no_live_duplicates_and_links_no_removed_question(batch, reviewer, client, db):
    repeats, near = flagged(db, batch)
    assert reviewer.form_post(f"/bank/batches/{batch.id}/decide", {"reject": "1", "note": "重复"}).status_code == 302
    assert client.form_post(f"/bank/batches/{batch.id}/discard", {"discard": "1"}).status_code == 302
    listed = client.get("/bank/batches").get_data(as_text=True)
    listed_row = re.search(rf'<tr data-batch="{batch.id}">.*?</tr>', listed, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", listed_row)
    assert cells[-1] == "0 (4 discarded)"
    page = html.unescape(client.get(f"/bank/batches/{batch.id}").get_data(as_text=True))
    assert '<dd data-count="repeated-stems">0 (4 discarded)</dd>' in page
    assert "were removed when the batch was discarded" in page
    assert 'class="import-duplicates"' not in page
    for removed in repeats + near:
        assert f"/bank/questions/{removed}\"" not in page
        assert client.get(f"/bank/questions/{removed}").status_code == 404


def test_a_repeat_whose_twin_was_discarded_is_no_longer_flagged_and_its_twin_not_linked(make, client, reviewer, db):
    editor = make.user(Role.BANK_EDITOR, username="editor")
    db.commit()
    client.login(editor.username)
    client.form_post("/lang/en", {"next": "/"})
    assert upload(client, "one.xlsx", questions_xlsx([row(BANK[0])])).status_code == 302
    first = db.scalars(select(ImportBatch)).one()
    twin = db.scalars(select(Question.id).where(Question.import_batch_id == first.id)).one()
    assert upload(client, "two.xlsx", questions_xlsx([row(NEAR[0])]), repeats="keep").status_code == 302
    second = db.scalars(select(ImportBatch).where(ImportBatch.id != first.id)).one()
    assert reviewer.form_post(f"/bank/batches/{first.id}/decide", {"reject": "1", "note": "重复"}).status_code == 302
    assert client.form_post(f"/bank/batches/{first.id}/discard", {"discard": "1"}).status_code == 302
    db.expire_all()
    assert review.flagged_near_duplicates(db, second) == []
    page = html.unescape(reviewer.get(f"/bank/batches/{second.id}").get_data(as_text=True))
    assert f"/bank/questions/{twin}\"" not in page and "discarded since" in page
    assert "Leave out every question flagged as a near-duplicate" not in page
