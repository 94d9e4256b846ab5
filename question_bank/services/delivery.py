"""What a candidate sees of an attempt, and the translation between what they see and what is stored.

Options may be shuffled per candidate, so the letter a candidate clicks ("display letter") is not
the option's own letter. Responses are stored in terms of the original options, so marking and
review never depend on the shuffle; this module is the only place that maps between the two.
Nothing here ever exposes a key or an explanation (case C-17).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from question_bank.errors import N_
from question_bank.models import AttemptItem
from question_bank.types import QuestionType, get_type
from question_bank.types.choice import LETTERS


@dataclass(frozen=True)
class ItemView:
    """One slot as the candidate sees it: options as (display letter, text) in display order, the
    number of blanks a fill-in stem marks, how the page takes the answer (the type's
    ``answer_form``), and the saved response in display form (display letters, "T"/"F", one text
    per blank, a text, or None)."""

    slot: int
    section_no: int
    qtype: str
    stem: str
    options: list[tuple[str, str]]
    mark: Decimal
    response: Any
    answer_form: str = "options"
    blanks: int = 0
    #: Whether the saved response counts as an answer (the type's ``is_answered``).
    answered: bool = False


def option_order_for(option_count: int, shuffle: bool, rng: Any, pinned: list[int] | tuple[int, ...] = ()) -> list[int]:
    """Display order of a question's options: ``[2, 0, 1]`` shows original C first.

    Options in ``pinned`` (indexes) keep their stored place whatever the shuffle ("以上都是" stays
    last, case C-23); the others are shuffled among the remaining places. Without pinned options
    the shuffle is the one earlier attempts got from the same seed."""
    order = list(range(option_count))
    if not shuffle:
        return order
    if not pinned:  # most questions: the same shuffle as below, without the bookkeeping (issue 7)
        rng.shuffle(order)
        return order
    fixed = {i for i in pinned if 0 <= i < option_count}
    free = [i for i in order if i not in fixed]
    rng.shuffle(free)
    moved = iter(free)
    return [i if i in fixed else next(moved) for i in order]


@dataclass(frozen=True)
class SlotShape:
    """What the translation between display and stored form reads of one slot: the question's
    type code, its options' display order (``AttemptItem.option_order``), how many options it has
    and how many blanks its stem marks. The autosave reads just these columns (issue 7)."""

    qtype: str
    option_order: list[int]
    option_count: int
    blank_count: int


def shape_of(item: Any) -> SlotShape:
    """The :class:`SlotShape` of an attempt item or a practice item (anything with
    ``option_order`` and a loaded ``question_version``)."""
    version = item.question_version
    return SlotShape(version.qtype, item.option_order, len(version.options),
                     get_type(version.qtype).blank_count(version.stem))


def to_original(item: Any, raw: Any) -> Any:
    """Turn a response in display form into the question type's normalised form. ``item``: an
    attempt item, a practice item or a :class:`SlotShape`.

    Raises ``ValueError`` (message template) when the response does not fit the question.
    """
    shape = item if isinstance(item, SlotShape) else shape_of(item)
    qtype = get_type(shape.qtype)
    if qtype.has_options:
        if isinstance(raw, str):
            raw = [raw] if raw else []
        if not isinstance(raw, list) or not all(isinstance(r, str) and len(r) == 1 for r in raw):
            raise ValueError(N_("a choice answer is a list of option letters"))
        shown = LETTERS[: len(shape.option_order)]
        if any(r not in shown for r in raw):
            raise ValueError(N_("the answer names an option the question does not have"))
        raw = [LETTERS[shape.option_order[shown.index(r)]] for r in raw]
    return qtype.normalise_response(raw, shape.option_count, shape.blank_count)


def to_display(item: Any, response: Any) -> Any:
    """The stored response in the letters the candidate saw (None when never answered); ``item``
    is an :class:`AttemptItem` or the save path's :class:`SlotShape`."""
    qtype = get_type(item.qtype if isinstance(item, SlotShape) else item.question_version.qtype)
    return to_display_of(qtype, item.option_order, response)


def to_display_of(qtype: QuestionType, option_order: Sequence[int], response: Any) -> Any:
    """:func:`to_display` from the parts it needs: the question's type and the slot's option order
    (for a page read without loading the attempt's items as objects)."""
    if response is None:
        return None
    if qtype.has_options:
        return sorted(LETTERS[option_order.index(LETTERS.index(letter))] for letter in response)
    if isinstance(response, bool):
        return "T" if response else "F"
    return response


def item_view(item: AttemptItem, response: Any) -> ItemView:
    """One slot of ``item``'s attempt as the candidate sees it, with ``response`` (stored form)."""
    version = item.question_version
    view = item_view_of(item.slot, item.section_no, version.qtype, item.mark, item.option_order, version.stem,
                        version.options)
    if response is None:
        return view
    qtype = get_type(version.qtype)
    return replace(view, response=to_display_of(qtype, item.option_order, response),
                   answered=qtype.is_answered(response))


def item_view_of(slot: int, section_no: int, qtype_code: str, mark: Decimal, option_order: Sequence[int],
                 stem: str, options: Sequence[str]) -> ItemView:
    """A slot as the candidate sees it before answering (no response), from the slot's number,
    section, type code, mark, option order and the question version's stem and options (the only
    texts of the version it reads: never a key or an explanation, case C-17)."""
    qtype = get_type(qtype_code)
    shown = [(LETTERS[position], options[original]) for position, original in enumerate(option_order)]
    return ItemView(slot, section_no, qtype_code, stem, shown, mark, None, qtype.answer_form, qtype.blank_count(stem),
                    False)
