"""Where the shared datasets are: ``../shared`` beside the checkout (where CI has them), or the
folder ``EXAMSVC_SHARED_DIR`` names. They are read in place, never copied into the repo."""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(os.environ.get("EXAMSVC_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared")
BANK_FILES = SHARED / "datasets" / "bank-files"


def check_available() -> str | None:
    """Why the datasets cannot be read, or None when they can."""
    if (BANK_FILES / "jecqa-kd.xlsx").is_file():
        return None
    return (f"the shared datasets are not at {SHARED} (expected ../shared beside the checkout); "
            "set EXAMSVC_SHARED_DIR to the folder that holds datasets/bank-files")
LAW_TEXTS = SHARED / "datasets" / "laws-lawrefbook"
