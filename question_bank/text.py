"""Text normalisation shared by duplicate detection and answer comparison.

Chinese exam text mixes full-width and half-width forms (，/,  （）/()  ＡＢＣ/ABC) and all kinds of
space (U+3000 among them); NFKC folds the widths, and the fingerprint then drops what does not
change meaning.
"""

from __future__ import annotations

import hashlib
import unicodedata


def fold_width(text: str) -> str:
    """NFKC-normalise: full-width letters, digits and punctuation become their half-width forms."""
    return unicodedata.normalize("NFKC", text)


def stem_fingerprint(stem: str) -> str:
    """SHA-256 (hex) of the stem with width folded, case folded, and every space, punctuation mark
    and symbol removed. Two stems that differ only in those get the same fingerprint, which is what
    duplicate detection looks up (domain.md §3)."""
    folded = fold_width(stem).casefold()
    kept = "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")
    return hashlib.sha256(kept.encode("utf-8")).hexdigest()


#: Marks that may end a typed answer, or wrap it, without changing it ("行政复议。", "《民法典》"),
#: as they stand after NFKC: sentence punctuation, quotation and title marks. Not brackets, dashes,
#: "%" or "." inside an answer: those can carry meaning (a negative number, a percentage, 2.5).
SURROUNDING_MARKS = "。.,、;:!?\"'“”‘’《》〈〉「」『』"


def comparable_answer(text: str) -> str:
    """A typed answer (or an accepted answer of a key) as fill-in marking compares it (case C-09):
    width folded (NFKC: ``ＰＭ２.５`` is ``PM2.5``), case folded, every space (U+3000 among them)
    and invisible format character (zero-width space, BOM) removed wherever it stands, and the
    sentence punctuation, quotation and title marks around it (:data:`SURROUNDING_MARKS`) dropped.

    Case is folded because the Latin letters in Chinese legal answers are abbreviations and codes
    (WTO, PPP, ICP) whose case never changes the meaning; punctuation inside an answer is kept,
    since it can change it (a decimal point)."""
    folded = fold_width(text or "").casefold()
    kept = "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Cf")
    return kept.strip(SURROUNDING_MARKS)


def comparable_text(text: str) -> str:
    """Text as two versions of a law are compared: width folded (NFKC: full-width punctuation and
    digits become half-width) and every space removed, so that re-spacing or re-typing punctuation
    in another width is no change, while any change of words or punctuation marks is one."""
    return "".join(fold_width(text).split())
