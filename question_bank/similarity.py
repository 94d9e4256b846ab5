"""How alike two questions read, and the index keys that find the alike ones without comparing a
new question with every question in the bank (case C-21). Pure functions: no database.

A question's *content text* (:func:`question_bank.text.content_text`: stem and sorted options with
width, case, space and punctuation folded away) is cut into character bigrams, the natural unit of
Chinese text. A MinHash signature of that set (datasketch) estimates the Jaccard similarity of two
questions' bigram sets; locality-sensitive hashing splits the signature into :data:`BANDS` bands of
:data:`ROWS` values and hashes each band to one 64-bit key. Two questions share at least one key
with probability 1 − (1 − J^ROWS)^BANDS: 0.93 for J = 0.5 (a 25-character true/false stem with four
characters changed), 1.00 from J = 0.7 (a typical 150-character choice question with ten changed),
while two unrelated questions of a legal bank (J ≈ 0.01, measured on jec-qa-kd and cmmlu-law) share
one with probability about 1 in 2,000. The keys live in an indexed table
(``services.duplicates``), so finding the candidates is one indexed lookup; each candidate is then
compared exactly with rapidfuzz's normalised Indel similarity, which is the figure shown to
editors ("92 % alike").

A bank's choice questions often share a templated stem ("根据《XX法》规定，下列说法正确的是：")
and differ only in their options, which are what the candidate actually judges. Compared as one
text, a long shared stem with short options reads as "a few characters apart" though the questions
ask different things (an outside trial flagged more than half of a 3,000-row file). So when both
questions have options, the options are compared on their own as well, and the lower of the two
figures is the similarity: a templated stem with other options is not flagged, while a true
near-repeat (its stem and its options each a few characters apart) still is. Questions without
options (true/false, fill-in, short answer) are their stem, compared whole.

Two texts alike are still two questions when their answers differ (:func:`answers_alike`): the
same template and three of four options with another option right ("下列属于财产犯罪的是" 盗窃罪
/ 侵占罪 / 抢劫罪 vs 抢夺罪) is another question, and so is a true/false statement with the
other verdict. A near-repeat keeps its answer, typos and all.

Changing :data:`SHINGLE`, :data:`BANDS`, :data:`ROWS` or :data:`SEED` changes every key: a
migration must then recompute the stored keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from datasketch import MinHash
from rapidfuzz import fuzz, process

from question_bank.text import PART_SEPARATOR

#: Characters per shingle: bigrams (Chinese words are mostly two characters).
SHINGLE = 2
#: LSH bands and MinHash values per band; BANDS × ROWS permutations per signature.
BANDS, ROWS = 20, 3
#: Seed of datasketch's permutations: fixed, so that keys stored years apart still match.
SEED = 1
#: Least similarity (percent, :func:`similarity`) at which a question is flagged as resembling
#: another: a few characters apart in a short stem, a sentence apart in a long case question.
NEAR_DUPLICATE_MIN = 85


def shingles(content: str) -> set[bytes]:
    """The character bigrams of a content text (the text itself when shorter), as UTF-8 bytes."""
    if len(content) <= SHINGLE:
        return {content.encode("utf-8")}
    return {content[i:i + SHINGLE].encode("utf-8") for i in range(len(content) - SHINGLE + 1)}


def band_keys(contents: Sequence[str]) -> list[list[int]]:
    """For each content text, its :data:`BANDS` LSH keys: signed 64-bit integers (they fit a
    BIGINT column on both databases), each unique to its band number. A few hundred microseconds
    per text; ``contents`` are signed in one vectorised call."""
    signatures = MinHash.bulk([shingles(c) for c in contents], num_perm=BANDS * ROWS, seed=SEED)
    return [_keys(signature.hashvalues) for signature in signatures]


def _keys(hashvalues: Iterable[int]) -> list[int]:
    values = [int(v) for v in hashvalues]
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS:(band + 1) * ROWS]
        digest = hashlib.blake2b(repr((band, chunk)).encode("ascii"), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


@dataclass(frozen=True)
class Answer:
    """What a question's key says, folded as content texts are (``text.meaningful``): ``options``
    the option texts (choice types; empty for the others) and ``right`` the right options' texts,
    or the answer itself (对 / 错, each blank's first accepted answer, the reference answer)."""

    options: tuple[str, ...]
    right: tuple[str, ...]


def answers_alike(first: Answer | None, second: Answer | None) -> bool:
    """Whether two questions whose texts are alike also answer alike: for choice questions, each
    right option of ``first`` is closest (rapidfuzz) to a right option of ``second`` and they
    have as many, so a typo or another option order changes nothing; otherwise the answers are
    :data:`NEAR_DUPLICATE_MIN` percent alike. An unknown answer (None, or a short answer without
    reference answer) leaves the texts to decide."""
    if first is None or second is None or not first.right or not second.right:
        return True
    if first.options and second.options:
        if len(first.right) != len(second.right):
            return False
        closest = {process.extractOne(right, second.options, scorer=fuzz.ratio)[0] for right in first.right}
        return closest == set(second.right)
    return fuzz.ratio(PART_SEPARATOR.join(first.right), PART_SEPARATOR.join(second.right)) >= NEAR_DUPLICATE_MIN


def similarity(first: str, second: str) -> int:
    """How alike two content texts are, in whole percent: 100 for the same text (the same
    fingerprint); otherwise rapidfuzz's normalised Indel similarity (1 − edits / total length) of
    the whole texts, or, when both have options, of their options alone if that is lower (see the
    module: a templated stem does not make two questions alike)."""
    if first == second:
        return 100
    whole = fuzz.ratio(first, second)
    _, first_sep, first_options = first.partition(PART_SEPARATOR)
    _, second_sep, second_options = second.partition(PART_SEPARATOR)
    if first_sep and second_sep:
        whole = min(whole, fuzz.ratio(first_options, second_options))
    return min(int(whole), 99)
