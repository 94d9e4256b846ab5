"""Where the shared datasets are: ../shared beside the checkout (never copied into the repo)."""

from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BANK_FILES = SHARED / "datasets" / "bank-files"
