"""Case C-09 through the exam: fill-in answers and keys are normalised the same way, so an answer
with space around it scores against a key saved with a trailing space, and an empty answer
scores 0 without an error."""

from __future__ import annotations

from decimal import Decimal

from question_bank.models import Attempt, Mark
from tests.scenarios import save, start_through_web, submit

KEY_1, KEY_2 = "行政复议", "行政复议 "  # the second saved by the admin with a trailing space
#: (key, answer, points): one question each, one point each.
CASES = [(KEY_1, "行政复议", 1), (KEY_2, "行政复议", 1), (KEY_1, " 行政复议 ", 1), (KEY_2, " 行政复议 ", 1),
         (KEY_1, "行政复议\u3000", 1), (KEY_2, "行政复议\u3000", 1), (KEY_1, "行政诉讼", 0), (KEY_2, "", 0)]


def test_c09_answers_and_keys_are_compared_after_the_same_normalisation(client, make, db):
    by_stem = {}
    for number, case in enumerate(CASES, start=1):
        stem = f"第{number}题：对行政处罚决定不服的，可以申请（　）。"
        make.question("fill_blank", stem=stem, key=[[case[0]]])
        by_stem[stem] = case
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("fill_blank", len(CASES), 1, "行政处罚法")]), roster=[cadre], shuffle=False,
                           pass_mark=1)
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    items = db.get(Attempt, attempt_id).items
    for item in items:
        _, answer, _ = by_stem[item.question_version.stem]
        assert save(client, attempt_id, item.slot, [answer], item.slot).status_code == 200
    assert submit(client, attempt_id).status_code == 200
    db.expire_all()
    marks = {m.attempt_item.question_version.stem: m.score for m in db.query(Mark).all()}
    assert marks == {stem: Decimal(points) for stem, (_, _, points) in by_stem.items()}
    assert db.get(Attempt, attempt_id).score == Decimal(6)
