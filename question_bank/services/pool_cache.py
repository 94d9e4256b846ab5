"""A paper's drawn-section pools kept in the database (issue 7: a start read every eligible
question of every section, about 25,000 rows for a 100-question paper on a 100,000-question bank).

A pool is read from the bank once per paper and bank generation (:class:`BankGeneration`, bumped
by triggers in the same transaction as any change that can move a question into or out of a pool:
a question published, retired, deleted; a published version changed; a law review flag opened or
closed; a category moved or removed) and kept as a :class:`PaperPoolCache` row; later draws read
that one row. Nothing is held in a process, so any number of workers on several hosts share the
cache, and a change committed on one is seen by the next draw on every other. The row also carries
the sections' :func:`signature`, so an edited blueprint misses; it is written only for a paper the
bank can fill (its shortfall check passed at that generation).

Kept only for draws the bank alone decides: no exposure rules (they depend on the candidate and
on attempts, not on the bank) and no section drawing "from the laws of study list L" (a list's
items and citations are not counted by the generation). Those draws read the bank every time.

What a draw may return is unchanged, seed for seed: the kept pools are the same version ids in the
same order, and ``assembly._pick`` makes the same greedy draw over their contents (then augmenting
paths should it corner itself) with the same random numbers as before, sampling content indexes
through :class:`Outside` instead of listing every free content on each draw.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from question_bank.models import BankGeneration, BlueprintSection, PaperPoolCache


def nth_outside(n: int, skipped: Sequence[int]) -> int:
    """The ``n``-th (from 0) whole number ≥ 0 not in ``skipped`` (ascending), found by bisection
    in O(log² len(skipped)), without listing the numbers before it."""
    place = n
    while True:
        further = n + bisect_right(skipped, place)
        if further == place:
            return place
        place = further


class Outside(Sequence):
    """The numbers 0 … ``total`` - 1 not in ``skipped`` (ascending), as a sequence that lists
    none of them: what ``random.sample`` draws from, where a list of thousands cost milliseconds."""

    def __init__(self, total: int, skipped: Sequence[int]) -> None:
        self.total, self.skipped = total, skipped

    def __len__(self) -> int:
        return self.total - len(self.skipped)

    def __getitem__(self, index):
        if not isinstance(index, int) or not 0 <= index < len(self):
            raise IndexError(index)
        return nth_outside(index, self.skipped)


@dataclass(frozen=True)
class SectionPool:
    """One drawn section's pool: ``versions`` its version ids in bank order (the fixed sections'
    contents left out). Its *contents* are its distinct content fingerprints in order of first
    appearance (case C-21: one question per content), content c being its c-th version that does
    not repeat an earlier one: ``repeats`` the positions (ascending) of the versions that do,
    ``others`` those positions by the position of the content's first version. ``shared``: content
    → key of the contents another section's pool holds too (equal keys, equal content)."""

    versions: Sequence[int]
    repeats: list[int] = field(default_factory=list)
    others: dict[int, list[int]] = field(default_factory=dict)
    shared: dict[int, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """How many contents (distinct questions) the pool holds."""
        return len(self.versions) - len(self.repeats)

    def holders(self, content: int) -> list[int]:
        """Positions of the versions holding ``content``, in bank order (usually one)."""
        first = nth_outside(content, self.repeats) if self.repeats else content
        return [first, *self.others.get(first, ())]


Pools = list[SectionPool]


def cacheable(sections: list[BlueprintSection], excluded: object) -> bool:
    """Whether the draw of these (drawn) sections may use the cache: no exposure rules
    (``excluded`` None) and no section drawing from a study list's laws."""
    return excluded is None and all(s.study_list_id is None for s in sections)


def signature(all_sections: list[BlueprintSection]) -> str:
    """sha256 of what of the paper's sections decides the pools and their shortfall check: each
    section's type, count, category, sub-categories, difficulty range, study list, and for a fixed
    section the versions it holds (drawn sections leave their contents out)."""
    described = [[s.fixed, s.qtype, s.count, s.category_id, s.include_subcategories, s.difficulty_min,
                  s.difficulty_max, s.study_list_id, [item.question_version_id for item in s.items] if s.fixed else []]
                 for s in all_sections]
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()


def _current_generation():
    return func.coalesce(select(BankGeneration.n).where(BankGeneration.id == 1).scalar_subquery(), 0)


def generation(session: Session) -> int:
    """The bank's generation now (0 before its first change)."""
    return session.scalar(select(_current_generation()))


#: Built once: the statement of :func:`read` (a start's draw runs it; building it took a tenth of the draw).
_READ = select(PaperPoolCache.pools).where(
    PaperPoolCache.paper_id == bindparam("paper_id"), PaperPoolCache.signature == bindparam("signature"),
    PaperPoolCache.generation == _current_generation())


def read(session: Session, paper_id: int, sig: str) -> Pools | None:
    """The paper's pools kept at the bank's current generation for sections of signature
    ``sig``, in one statement; None when there are none (never kept, the bank or the paper
    changed since). Changes pending in the session are flushed first, so they count."""
    stored = session.scalar(_READ, {"paper_id": paper_id, "signature": sig})
    if stored is None:
        return None
    return _decoded(stored)


def pools_of(drawn_pools: list[dict[int, str]]) -> Pools:
    """:class:`SectionPool` of each pool read from the bank (version id → fingerprint, in bank order)."""
    sections_of: dict[str, set[int]] = {}
    for index, pool in enumerate(drawn_pools):
        for fingerprint in pool.values():
            sections_of.setdefault(fingerprint, set()).add(index)
    numbered = {fingerprint: key for key, fingerprint in enumerate(sections_of)}
    found = []
    for pool in drawn_pools:
        firsts: dict[str, int] = {}
        repeats: list[int] = []
        others: dict[int, list[int]] = {}
        shared: dict[int, int] = {}
        for place, fingerprint in enumerate(pool.values()):
            first = firsts.setdefault(fingerprint, place)
            if first != place:
                repeats.append(place)
                others.setdefault(first, []).append(place)
            elif len(sections_of[fingerprint]) > 1:
                shared[len(firsts) - 1] = numbered[fingerprint]
        found.append(SectionPool(list(pool), repeats, others, shared))
    return found


def _encoded(pools: Pools) -> bytes:
    """What is kept for ``pools``: a line of JSON with each section's few repeats and shared
    contents, then every section's version ids as 32-bit integers (ids are PostgreSQL
    ``integer``s), read back without parsing a number of them."""
    header = [{"n": len(pool.versions), "r": pool.repeats,
               "x": {str(first): rest for first, rest in pool.others.items()},
               "s": [[content, key] for content, key in pool.shared.items()]} for pool in pools]
    body = array("i", [version_id for pool in pools for version_id in pool.versions])
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + body.tobytes()


def _decoded(stored: bytes) -> Pools:
    header, _, body = bytes(stored).partition(b"\n")
    versions = array("i")
    versions.frombytes(body)
    found, start = [], 0
    for described in json.loads(header):
        end = start + described["n"]
        found.append(SectionPool(versions[start:end], described["r"],
                                 {int(first): rest for first, rest in described["x"].items()},
                                 {content: key for content, key in described["s"]}))
        start = end
    return found


def store(session: Session, paper_id: int, generation_read: int, sig: str, pools: Pools) -> None:
    """Keep ``pools``, read at ``generation_read`` (read before the pools were), for the paper.
    A row of a later generation is not overwritten by one read earlier. On PostgreSQL the row stays
    locked until the transaction ends: starts racing to fill the same paper's cache wait for the
    first one's commit, then keep its row (only after a change of the bank or the paper)."""
    document = _encoded(pools)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(PaperPoolCache).values(paper_id=paper_id, generation=generation_read, signature=sig,
                                                      pools=document)
    session.execute(statement.on_conflict_do_update(
        index_elements=[PaperPoolCache.paper_id],
        set_={"generation": statement.excluded.generation, "signature": statement.excluded.signature,
              "pools": statement.excluded.pools},
        where=(PaperPoolCache.generation < statement.excluded.generation)
        | (PaperPoolCache.signature != statement.excluded.signature)))
