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

Changing :data:`SHINGLE`, :data:`BANDS`, :data:`ROWS` or :data:`SEED` changes every key: a
migration must then recompute the stored keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from datasketch import MinHash
from rapidfuzz import fuzz

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


def similarity(first: str, second: str) -> int:
    """How alike two content texts are, in whole percent: 100 for the same text (the same
    fingerprint), rapidfuzz's normalised Indel similarity otherwise (1 − edits / total length)."""
    if first == second:
        return 100
    return min(int(fuzz.ratio(first, second)), 99)
