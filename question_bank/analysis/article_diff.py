"""Marking what an amendment changed in an article's words, for the reviewer's side-by-side view.

Character by character (Chinese has no spaces between words, so a word-level diff would see one
changed "word" per sentence), with the standard library's :class:`difflib.SequenceMatcher`
(``autojunk`` off: in a long article common characters such as 的 would otherwise be ignored as
junk and the marking would jump about).
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

SegmentKind = Literal["same", "removed", "added"]


@dataclass(frozen=True)
class Segment:
    """A run of characters of one side: ``same`` on both sides, ``removed`` (only in the old
    text) or ``added`` (only in the new)."""

    text: str
    kind: SegmentKind


def diff_texts(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    """The old text and the new text, each as segments in order, joined they give the text back
    exactly. A replaced run is ``removed`` on the old side and ``added`` on the new side."""
    before: list[Segment] = []
    after: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            before.append(Segment(old[i1:i2], "same"))
            after.append(Segment(new[j1:j2], "same"))
            continue
        if i2 > i1:
            before.append(Segment(old[i1:i2], "removed"))
        if j2 > j1:
            after.append(Segment(new[j1:j2], "added"))
    return before, after
