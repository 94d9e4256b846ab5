"""The near-duplicate check reads a candidate's type, options and key only when they can decide
(``duplicates._best_in_bank``): the choice must be the one a walk over every candidate makes, every
answer read (case C-21)."""

from __future__ import annotations

import random
from collections import defaultdict

from question_bank.drafts import QuestionDraft
from question_bank.models import Role
from question_bank.services import authoring, duplicates, near_candidates
from question_bank.similarity import NEAR_DUPLICATE_MIN, band_keys, similarity
from question_bank.text import content_text

STEM = "行政机关作出较大数额罚款的行政处罚决定前，应当告知当事人有要求举行听证的权利。该规定出自（　）"
OPTIONS = ["《行政处罚法》", "《行政许可法》", "《行政复议法》", "《行政诉讼法》"]


def _draft(stem: str, options: list[str], key: list[str]) -> QuestionDraft:
    return QuestionDraft(qtype="single_choice", stem=stem, options=options, key=key, category_path="行政处罚法")


def _every_answer_read(db, contents, keyed_texts):
    """What the check chose when it read every candidate's answer: each candidate in turn,
    :func:`duplicates._better` and :func:`duplicates._same_question` deciding (within the batch too)."""
    keys = band_keys(contents)
    compared = near_candidates.candidates(db, keys, None)
    texts = near_candidates.texts_of(db, {v for versions in compared for v in versions})
    answered = near_candidates.answers_of(db, {v for versions in compared for v in versions})
    earlier_by_key: dict[int, list[int]] = defaultdict(list)
    found = []
    for index, (text, own) in enumerate(zip(contents, keyed_texts)):
        best = None
        for version in compared[index]:
            question_id, other = texts[version]
            alike = duplicates.Resemblance(similarity(text, other), question_id=question_id)
            candidate = duplicates._with_change(alike, own, lambda: duplicates.keyed(*answered[version], other))
            if duplicates._better(candidate, best) and duplicates._same_question(
                    candidate, own.answer, lambda: duplicates.answer_of(*answered[version][1:], other)):
                best = candidate
        for earlier in sorted({i for key in keys[index] for i in earlier_by_key.get(key, ())}):
            candidate = duplicates._with_change(
                duplicates.Resemblance(similarity(text, contents[earlier]), earlier=earlier), own,
                lambda: keyed_texts[earlier])
            if duplicates._better(candidate, best) and duplicates._same_question(
                    candidate, own.answer, lambda: keyed_texts[earlier].answer):
                best = candidate
        for key in keys[index]:
            earlier_by_key[key].append(index)
        found.append(best if best is not None and best.similarity >= NEAR_DUPLICATE_MIN else None)
    return found


def test_the_most_alike_question_answering_otherwise_gives_way_to_the_next_that_answers_alike(db, clock, make):
    editor = make.user(Role.BANK_EDITOR)
    # Both near-repeats of the new text; the closer one has another option right.
    closer = authoring.create_question(db, clock, editor, _draft(STEM.replace("较大", "大"), OPTIONS, ["B"]))
    farther = authoring.create_question(db, clock, editor, _draft(STEM.replace("较大数额", "大额"), OPTIONS, ["A"]))
    new = authoring.create_question(db, clock, editor, _draft(STEM, OPTIONS, ["A"]))
    assert similarity(content_text(STEM, OPTIONS), closer.current_version.content_text) > new.duplicate_similarity
    assert (new.duplicate_of_id, closer.id != farther.id) == (farther.id, True)
    assert 85 <= new.duplicate_similarity < 100


def test_answers_read_in_rounds_choose_as_reading_every_answer_does(db, clock, make):
    editor = make.user(Role.BANK_EDITOR)
    rng = random.Random(7)
    openings = ["", "依照规定，", "根据法律，", "某局学法时问："]
    # Variants of one question: some a character or two apart, some keyed otherwise, some repeats
    # (the same stem and options: a changed answer when keyed otherwise), several at equal similarity.
    bank = [_draft(rng.choice(openings) + STEM[:rng.randrange(40, len(STEM))] + "（　）", OPTIONS, [rng.choice("AB")])
            for _ in range(40)] + [_draft(STEM, OPTIONS, ["B"]), _draft(STEM, OPTIONS, ["A"])]
    authoring.create_questions(db, clock, editor, bank, check_duplicates=False)
    new = [_draft(rng.choice(openings) + STEM[:rng.randrange(40, len(STEM))] + "（　）", OPTIONS, [rng.choice("AB")])
           for _ in range(30)] + [_draft(STEM, OPTIONS, ["A"]), _draft(STEM, OPTIONS, ["C"])]
    contents = [content_text(d.stem, d.options) for d in new]
    keyed_texts = [duplicates.keyed(d.qtype, d.options, d.key, c) for d, c in zip(new, contents)]
    found = duplicates.find_resemblances(db, contents, answers=[k.answer for k in keyed_texts], keyed_texts=keyed_texts)
    assert found == _every_answer_read(db, contents, keyed_texts)
    assert sum(r is not None and r.question_id is not None and r.similarity < 100 for r in found) >= 3
    assert any(r is not None and r.changed is not None for r in found)
