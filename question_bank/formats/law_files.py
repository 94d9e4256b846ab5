"""Finding the law texts in a folder (``flask --app wsgi load-laws DIR``, the demo): every .md and
.txt file below it, in path order, leaving out files that are not law texts (a README, a
PROVENANCE note, LawRefBook's hidden format template) with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from question_bank.errors import N_, InvalidInput
from question_bank.formats.law_text import decode, is_hidden_page, looks_like_law

SUFFIXES = (".md", ".txt")


@dataclass(frozen=True)
class LawFile:
    """A file to load: its name (the path below the folder, or the uploaded name) and bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class SkippedFile:
    """A file of the folder that is not loaded, and why (an English message template)."""

    name: str
    reason: str


def read_folder(folder: Path) -> tuple[list[LawFile], list[SkippedFile]]:
    """The law files below ``folder`` and the files left out. Raises ``FileNotFoundError`` when the
    folder does not exist. A file that cannot be decoded is returned, so that loading names it."""
    if not folder.is_dir():
        raise FileNotFoundError(folder)
    found: list[LawFile] = []
    skipped: list[SkippedFile] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
        name = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        try:
            text = decode(name, data)
        except InvalidInput:
            found.append(LawFile(name, data))
            continue
        if is_hidden_page(text):
            skipped.append(SkippedFile(name, N_("marked bookHidden: a template, not a law text")))
        elif not looks_like_law(text):
            skipped.append(SkippedFile(name, N_("not a law text: no article (第…条) and no “<!-- INFO END -->” header")))
        else:
            found.append(LawFile(name, data))
    return found, skipped
