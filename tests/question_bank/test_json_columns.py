"""JSON columns are decoded by orjson for speed (issue 7); whatever is stored must read back exactly
as the standard library read it, on both databases, including what orjson alone refuses."""

from __future__ import annotations

import json
import math

import pytest
from sqlalchemy import literal, select

from question_bank.db import JSONDocument, json_loads

STORED_TEXTS = [
    '["A", "C"]',
    '{"blanks": ["警告", "10"], "n": 3}',
    '[2, 0, 3, 1]',
    '"一段简答：依法行政的基本要求"',
    '[1180591620717411303424, -1180591620717411303424]',  # beyond 64 bits: orjson refuses
    '[1.5, 0.1, 1e-7, 123456789.123456789]',
    '{"a": 1, "a": 2}',  # a repeated key: the last one counts, as json.loads has it
    '"\\ud800 lone"',  # a lone surrogate escape: orjson refuses
    '[NaN, Infinity, -Infinity]',  # not JSON, but json.dumps writes it: orjson refuses
]


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("text", STORED_TEXTS)
def test_every_stored_text_reads_as_the_standard_library_reads_it(text):
    for given in (text, text.encode()):
        assert _same(json_loads(given), json.loads(given)), given


def test_text_that_is_not_json_is_refused_as_json_refuses_it():
    with pytest.raises(json.JSONDecodeError):
        json_loads('["A", ')


@pytest.mark.parametrize("value", [["A", "C"], {"blanks": ["警告", "十日以内"]}, [2 ** 70, 0.1], "依法行政"])
def test_a_json_column_reads_back_what_was_written(engine, value):
    """Through the engine the service uses (JSONB on PostgreSQL, JSON text on SQLite)."""
    with engine.connect() as conn:
        assert conn.execute(select(literal(value, JSONDocument))).scalar_one() == value
