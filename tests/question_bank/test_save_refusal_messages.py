"""What a refused save says: the message and its parameters, as the page shows them."""

from __future__ import annotations

from question_bank.errors import InvalidInput
from question_bank.services import attempts
from question_bank.services.marking import current_responses


def test_a_fill_in_answer_with_the_wrong_number_of_blanks_is_refused_naming_the_count(db, clock, make):
    # Outside trial: the refusal's message reached the page as "… each of the %(n)d blanks".
    make.questions(1, "fill_blank")
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("fill_blank", 1, 10, "行政处罚法")]), roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    try:
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["", "多出的一空"], 1)
    except InvalidInput as exc:
        [problem] = exc.problems
    else:
        raise AssertionError("an answer with two blanks for a one-blank question was stored")
    assert (problem.message, problem.params) == ("a fill-in answer is one text for each of the %(n)d blanks", {"n": 1})
    assert current_responses(db, attempt.id) == {}
