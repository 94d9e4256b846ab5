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

What a draw may return is unchanged, seed for seed: the cached pools are the same version ids in
the same order, and a paper whose pools share no content fingerprint (the usual case) draws each
section's questions as ``random.sample`` over its pool's positions, which is what the greedy draw
of ``assembly`` does when no fingerprint is taken twice.
"""

from __future__ import annotations

import base64
import hashlib
import json
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from question_bank.models import BankGeneration, BlueprintSection, PaperPoolCache


@dataclass(frozen=True)
class SectionPool:
    """One drawn section's pool: ``versions`` its version ids in bank order (the fixed sections'
    contents left out). Its *contents* are its distinct content fingerprints in order of first
    appearance (case C-21: one question per content): ``firsts`` the position in ``versions`` of
    each content's first version (None: every version has content of its own, content c is
    position c) and ``others`` the further positions of a content held twice, by first position.
    ``keys`` (only when some content is in two sections' pools, then for every section) is each
    content's key, equal across sections for equal content, and ``shared`` the contents whose key
    another section holds."""

    versions: Sequence[int]
    firsts: Sequence[int] | None = None
    others: dict[int, list[int]] = field(default_factory=dict)
    keys: Sequence[int] | None = None
    shared: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        """How many contents (distinct questions) the pool holds."""
        return len(self.versions) if self.firsts is None else len(self.firsts)

    def holders(self, content: int) -> list[int]:
        """Positions of the versions holding ``content``, in bank order (usually one)."""
        first = content if self.firsts is None else self.firsts[content]
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


def read(session: Session, paper_id: int, sig: str) -> Pools | None:
    """The paper's pools kept at the bank's current generation for sections of signature
    ``sig``, in one statement; None when there are none (never kept, the bank or the paper
    changed since)."""
    stored = session.scalar(select(PaperPoolCache.pools).where(
        PaperPoolCache.paper_id == paper_id, PaperPoolCache.signature == sig,
        PaperPoolCache.generation == _current_generation()))
    if stored is None:
        return None
    return _decoded(stored)


def pools_of(drawn_pools: list[dict[int, str]]) -> Pools:
    """:class:`SectionPool` of each pool read from the bank (version id → fingerprint, in bank order)."""
    sections_of: dict[str, set[int]] = {}
    contents = []
    for index, pool in enumerate(drawn_pools):
        places: dict[str, list[int]] = {}
        for place, fingerprint in enumerate(pool.values()):
            places.setdefault(fingerprint, []).append(place)
            sections_of.setdefault(fingerprint, set()).add(index)
        contents.append(places)
    crossing = any(len(found) > 1 for found in sections_of.values())
    numbered = {fingerprint: key for key, fingerprint in enumerate(sections_of)}
    found = []
    for pool, places in zip(drawn_pools, contents):
        repeated = len(places) < len(pool)
        found.append(SectionPool(
            list(pool), [p[0] for p in places.values()] if repeated else None,
            {p[0]: p[1:] for p in places.values() if len(p) > 1},
            [numbered[fingerprint] for fingerprint in places] if crossing else None,
            [c for c, fingerprint in enumerate(places) if len(sections_of[fingerprint]) > 1] if crossing else []))
    return found


def _packed(numbers: Sequence[int]) -> str:
    return base64.b64encode(array("q", numbers).tobytes()).decode("ascii")


def _unpacked(text: str) -> array:
    return array("q", base64.b64decode(text))


def _encoded(pools: Pools) -> str:
    """The JSON text kept for ``pools``: the long lists as base64 of 64-bit integers (decoded
    in microseconds, where JSON's lists of numbers took milliseconds)."""
    sections = []
    for pool in pools:
        described: dict = {"v": _packed(pool.versions)}
        if pool.firsts is not None:
            described["f"] = _packed(pool.firsts)
            described["x"] = {str(first): rest for first, rest in pool.others.items()}
        if pool.keys is not None:
            described["k"] = _packed(pool.keys)
            described["s"] = pool.shared
        sections.append(described)
    return json.dumps(sections, separators=(",", ":"))


def _decoded(text: str) -> Pools:
    return [SectionPool(_unpacked(d["v"]), _unpacked(d["f"]) if "f" in d else None,
                        {int(first): rest for first, rest in d.get("x", {}).items()},
                        _unpacked(d["k"]) if "k" in d else None, d.get("s", []))
            for d in json.loads(text)]


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
